#include "genai/util/torch_file.h"

#include <zlib.h>

#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>

#include "genai/error.h"

namespace genai::util {
namespace {

struct Problem : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// --- Bytes ------------------------------------------------------------------------------------------------

struct Bytes {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

uint64_t little_endian(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// --- Pickle values ----------------------------------------------------------------------------------------

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct TensorRef {  // a tensor as _rebuild_tensor_v2 describes it; materialised once the storages are known
  std::string storage_key;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};

struct Value {
  enum class Kind { kNone, kBool, kInt, kBigInt, kFloat, kString, kTuple, kList, kDict, kGlobal, kStorage, kTensor };
  Kind kind = Kind::kNone;
  int64_t integer = 0;
  double real = 0;
  std::string text;             // string, global "module.name", big integer's little-endian bytes, storage key
  std::vector<ValuePtr> items;  // tuple and list; dict: key, value, key, value, ...
  TensorRef tensor;
  torch::ScalarType dtype = torch::kFloat32;  // storage
  int64_t numel = 0;                          // storage
};

ValuePtr make(Value::Kind kind) {
  auto v = std::make_shared<Value>();
  v->kind = kind;
  return v;
}

const char* kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kNone:
      return "None";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
    case Value::Kind::kBigInt:
      return "int";
    case Value::Kind::kFloat:
      return "float";
    case Value::Kind::kString:
      return "str";
    case Value::Kind::kTuple:
      return "tuple";
    case Value::Kind::kList:
      return "list";
    case Value::Kind::kDict:
      return "dict";
    case Value::Kind::kGlobal:
      return "global";
    case Value::Kind::kStorage:
      return "storage";
    case Value::Kind::kTensor:
      return "tensor";
  }
  return "?";
}

int64_t as_int(const ValuePtr& v, const char* what) {
  if (v->kind == Value::Kind::kInt) return v->integer;
  if (v->kind == Value::Kind::kBool) return v->integer;
  throw Problem(std::string(what) + " is a " + kind_name(v->kind) + ", not an int");
}

const std::string& as_string(const ValuePtr& v, const char* what) {
  if (v->kind != Value::Kind::kString) throw Problem(std::string(what) + " is a " + kind_name(v->kind) + ", not a string");
  return v->text;
}

std::vector<int64_t> int_tuple(const ValuePtr& v, const char* what) {
  if (v->kind != Value::Kind::kTuple) throw Problem(std::string(what) + " is a " + kind_name(v->kind) + ", not a tuple");
  std::vector<int64_t> out;
  for (const auto& item : v->items) out.push_back(as_int(item, what));
  return out;
}

std::optional<torch::ScalarType> storage_dtype(const std::string& global) {
  static const std::map<std::string, torch::ScalarType> kTypes = {
      {"torch.FloatStorage", torch::kFloat32},     {"torch.DoubleStorage", torch::kFloat64}, {"torch.HalfStorage", torch::kFloat16},
      {"torch.BFloat16Storage", torch::kBFloat16}, {"torch.LongStorage", torch::kInt64},     {"torch.IntStorage", torch::kInt32},
      {"torch.ShortStorage", torch::kInt16},       {"torch.CharStorage", torch::kInt8},      {"torch.ByteStorage", torch::kUInt8},
      {"torch.BoolStorage", torch::kBool}};
  const auto it = kTypes.find(global);
  if (it == kTypes.end()) return std::nullopt;
  return it->second;
}

// --- The pickle machine -------------------------------------------------------------------------------------

// Runs one pickle (protocols 2 to 5) from `bytes` at `position` to its STOP opcode. Only the globals a state dict
// uses can be called; anything else is refused by name.
class Unpickler {
 public:
  Unpickler(Bytes bytes, size_t position) : bytes_(bytes), position_(position) {}

  ValuePtr load() {
    for (;;) {
      const uint8_t op = take(1)[0];
      switch (op) {
        case 0x80:
          take(1);
          break;  // PROTO
        case 0x95:
          take(8);
          break;  // FRAME
        case '}':
          push(make(Value::Kind::kDict));
          break;
        case ']':
          push(make(Value::Kind::kList));
          break;
        case ')':
          push(make(Value::Kind::kTuple));
          break;
        case '(':
          marks_.push_back(stack_.size());
          break;
        case 'N':
          push(make(Value::Kind::kNone));
          break;
        case 0x88:
        case 0x89: {
          auto v = make(Value::Kind::kBool);
          v->integer = op == 0x88;
          push(v);
          break;
        }
        case 'J':
          push_int(static_cast<int32_t>(little_endian(take(4), 4)));
          break;
        case 'K':
          push_int(take(1)[0]);
          break;
        case 'M':
          push_int(static_cast<int64_t>(little_endian(take(2), 2)));
          break;
        case 0x8a:
          push_long(take(1)[0]);
          break;  // LONG1
        case 0x8b:
          push_long(static_cast<size_t>(little_endian(take(4), 4)));
          break;  // LONG4
        case 'G': {
          const uint8_t* p = take(8);
          uint64_t bits = 0;
          for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];  // big-endian
          auto v = make(Value::Kind::kFloat);
          std::memcpy(&v->real, &bits, 8);
          push(v);
          break;
        }
        case 'X':
        case 'T':
        case 'B':
          push_string(static_cast<size_t>(little_endian(take(4), 4)));
          break;
        case 0x8c:
        case 'U':
        case 'C':
          push_string(take(1)[0]);
          break;
        case 0x8d:
        case 0x8e:
          push_string(static_cast<size_t>(little_endian(take(8), 8)));
          break;
        case 'c': {
          const std::string module = line(), name = line();
          push_global(module, name);
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          const auto name = pop(), module = pop();
          push_global(as_string(module, "a global's module"), as_string(name, "a global's name"));
          break;
        }
        case 't':
        case 'l': {
          auto v = make(op == 't' ? Value::Kind::kTuple : Value::Kind::kList);
          v->items = pop_to_mark();
          push(v);
          break;
        }
        case 'd': {
          auto v = make(Value::Kind::kDict);
          v->items = pop_to_mark();
          if (v->items.size() % 2) throw Problem("a dict has an odd number of items");
          push(v);
          break;
        }
        case 0x85:
        case 0x86:
        case 0x87: {
          auto v = make(Value::Kind::kTuple);
          const size_t n = op - 0x84;
          if (stack_.size() < n) throw Problem("a tuple opcode found too few items");
          v->items.assign(stack_.end() - static_cast<std::ptrdiff_t>(n), stack_.end());
          stack_.resize(stack_.size() - n);
          push(v);
          break;
        }
        case 'a': {
          const auto item = pop();
          append(top(), {item});
          break;
        }
        case 'e': {
          auto items = pop_to_mark();
          append(top(), items);
          break;
        }
        case 's': {
          const auto value = pop(), key = pop();
          set_items(top(), {key, value});
          break;
        }
        case 'u': {
          auto items = pop_to_mark();
          if (items.size() % 2) throw Problem("SETITEMS has an odd number of items");
          set_items(top(), items);
          break;
        }
        case 'q':
          memo_[take(1)[0]] = top();
          break;
        case 'r':
          memo_[static_cast<uint32_t>(little_endian(take(4), 4))] = top();
          break;
        case 0x94:
          memo_[static_cast<uint32_t>(memo_.size())] = top();
          break;  // MEMOIZE
        case 'h':
          push(recall(take(1)[0]));
          break;
        case 'j':
          push(recall(static_cast<uint32_t>(little_endian(take(4), 4))));
          break;
        case 'Q':
          push(persistent_load(pop()));
          break;  // BINPERSID
        case 'R': {
          const auto args = pop(), callable = pop();
          push(call(callable, args));
          break;
        }
        case 'b': {  // BUILD: an OrderedDict's _metadata (a state dict's version numbers) or a tensor's hooks
          pop();
          const auto kind = top()->kind;
          if (kind != Value::Kind::kDict && kind != Value::Kind::kTensor) throw Problem(std::string("cannot set the state of a ") + kind_name(kind));
          break;
        }
        case '.': {
          if (stack_.size() != 1) throw Problem("the pickle ended with " + std::to_string(stack_.size()) + " values on its stack");
          return stack_.back();
        }
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          throw Problem(std::string("unsupported pickle opcode ") + hex + " at byte " + std::to_string(position_ - 1));
        }
      }
    }
  }

  size_t position() const { return position_; }
  // Storages named by persistent ids, in first-use order: key -> (dtype, elements).
  const std::map<std::string, std::pair<torch::ScalarType, int64_t>>& storages() const { return storages_; }

 private:
  const uint8_t* take(size_t n) {
    if (n > bytes_.size - position_) throw Problem("the file ends in the middle of a pickle");
    const uint8_t* p = bytes_.data + position_;
    position_ += n;
    return p;
  }
  std::string line() {
    std::string s;
    for (char c; (c = static_cast<char>(take(1)[0])) != '\n';) s += c;
    return s;
  }
  void push(ValuePtr v) { stack_.push_back(std::move(v)); }
  void push_int(int64_t i) {
    auto v = make(Value::Kind::kInt);
    v->integer = i;
    push(v);
  }
  void push_long(size_t n) {  // little-endian two's complement; wider than 8 bytes only for the legacy magic number
    const uint8_t* p = take(n);
    if (n <= 8) {
      uint64_t u = n ? little_endian(p, static_cast<int>(n)) : 0;
      if (n && n < 8 && (p[n - 1] & 0x80)) u |= ~uint64_t{0} << (8 * n);  // sign extension
      push_int(static_cast<int64_t>(u));
      return;
    }
    auto v = make(Value::Kind::kBigInt);
    v->text.assign(reinterpret_cast<const char*>(p), n);
    push(v);
  }
  void push_string(size_t n) {
    const uint8_t* p = take(n);
    auto v = make(Value::Kind::kString);
    v->text.assign(reinterpret_cast<const char*>(p), n);
    push(v);
  }
  void push_global(const std::string& module, const std::string& name) {
    auto v = make(Value::Kind::kGlobal);
    v->text = module + "." + name;
    push(v);
  }
  ValuePtr pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back())) throw Problem("the pickle's stack underflowed");
    auto v = stack_.back();
    stack_.pop_back();
    return v;
  }
  ValuePtr& top() {
    if (stack_.empty()) throw Problem("the pickle's stack is empty");
    return stack_.back();
  }
  std::vector<ValuePtr> pop_to_mark() {
    if (marks_.empty()) throw Problem("the pickle pops to a mark it never set");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<ValuePtr> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }
  ValuePtr recall(uint32_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) throw Problem("the pickle recalls memo entry " + std::to_string(index) + ", which it never stored");
    return it->second;
  }
  static void append(const ValuePtr& list, const std::vector<ValuePtr>& items) {
    if (list->kind != Value::Kind::kList) throw Problem(std::string("cannot append to a ") + kind_name(list->kind));
    list->items.insert(list->items.end(), items.begin(), items.end());
  }
  static void set_items(const ValuePtr& dict, const std::vector<ValuePtr>& items) {
    if (dict->kind != Value::Kind::kDict) throw Problem(std::string("cannot set items of a ") + kind_name(dict->kind));
    dict->items.insert(dict->items.end(), items.begin(), items.end());
  }

  // ('storage', torch.FloatStorage, key, location, elements[, view metadata]) in both formats.
  ValuePtr persistent_load(const ValuePtr& id) {
    if (id->kind != Value::Kind::kTuple || id->items.size() < 5 || id->items[0]->kind != Value::Kind::kString || id->items[0]->text != "storage")
      throw Problem("a persistent id is not a storage");
    if (id->items.size() > 5 && id->items[5]->kind != Value::Kind::kNone) throw Problem("storage views (torch < 1.0 files) are not supported");
    const auto& type = id->items[1];
    const auto dtype = type->kind == Value::Kind::kGlobal ? storage_dtype(type->text) : std::nullopt;
    if (!dtype) throw Problem("unsupported storage type " + (type->kind == Value::Kind::kGlobal ? type->text : std::string(kind_name(type->kind))));
    auto v = make(Value::Kind::kStorage);
    v->text = as_string(id->items[2], "a storage key");
    v->dtype = *dtype;
    v->numel = as_int(id->items[4], "a storage size");
    if (v->numel < 0) throw Problem("a storage has a negative size");
    const auto [it, inserted] = storages_.emplace(v->text, std::make_pair(v->dtype, v->numel));
    if (!inserted && it->second != std::make_pair(v->dtype, v->numel)) throw Problem("storage " + v->text + " is named with two types or sizes");
    return v;
  }

  static ValuePtr call(const ValuePtr& callable, const ValuePtr& args) {
    if (callable->kind != Value::Kind::kGlobal) throw Problem(std::string("the pickle calls a ") + kind_name(callable->kind));
    if (args->kind != Value::Kind::kTuple) throw Problem("the pickle calls " + callable->text + " without an argument tuple");
    const auto& name = callable->text;
    const auto& a = args->items;
    if (name == "collections.OrderedDict" && a.empty()) return make(Value::Kind::kDict);
    if ((name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") && a.size() >= 4) {
      if (a[0]->kind != Value::Kind::kStorage) throw Problem("a tensor's storage is a " + std::string(kind_name(a[0]->kind)));
      auto v = make(Value::Kind::kTensor);
      v->dtype = a[0]->dtype;
      v->numel = a[0]->numel;
      v->tensor = {a[0]->text, as_int(a[1], "a storage offset"), int_tuple(a[2], "a tensor size"), int_tuple(a[3], "a tensor stride")};
      if (v->tensor.sizes.size() != v->tensor.strides.size()) throw Problem("a tensor's size and stride differ in length");
      return v;
    }
    if ((name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") && !a.empty() &&
        a[0]->kind == Value::Kind::kTensor)
      return a[0];
    throw Problem("holds an object of type " + name + ", which a state dict (a dict of tensors) does not; save model.state_dict()");
  }

  Bytes bytes_;
  size_t position_;
  std::vector<ValuePtr> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, ValuePtr> memo_;
  std::map<std::string, std::pair<torch::ScalarType, int64_t>> storages_;
};

// --- The two containers -------------------------------------------------------------------------------------

struct Archive {
  ValuePtr root;
  std::map<std::string, Bytes> storages;  // key -> raw little-endian bytes
};

// A zip as torch.save writes it (stored entries under one top folder: data.pkl, data/<key>, byteorder, version).
Archive read_zip(Bytes file) {
  auto u16 = [&](size_t at) { return static_cast<uint32_t>(little_endian(file.data + at, 2)); };
  auto u32 = [&](size_t at) { return static_cast<uint32_t>(little_endian(file.data + at, 4)); };
  auto u64 = [&](size_t at) { return little_endian(file.data + at, 8); };
  if (file.size < 22) throw Problem("the zip file is truncated");
  size_t eocd = std::string::npos;
  for (size_t at = file.size - 22;; --at) {
    if (u32(at) == 0x06054b50) {
      eocd = at;
      break;
    }
    if (at == 0 || file.size - at > 22 + 65535) break;
  }
  if (eocd == std::string::npos) throw Problem("the zip file has no central directory (truncated?)");
  uint64_t entries = u16(eocd + 10), directory = u32(eocd + 16);
  if ((entries == 0xFFFF || directory == 0xFFFFFFFF) && eocd >= 20 && u32(eocd - 20) == 0x07064b50) {  // zip64
    const uint64_t record = u64(eocd - 12);
    if (record + 56 > file.size || u32(record) != 0x06064b50) throw Problem("the zip64 directory record is damaged");
    entries = u64(record + 32);
    directory = u64(record + 48);
  }
  Archive archive;
  std::map<std::string, Bytes> files;
  size_t at = directory;
  for (uint64_t i = 0; i < entries; ++i) {
    if (at + 46 > file.size || u32(at) != 0x02014b50) throw Problem("the zip's central directory is damaged");
    const uint32_t method = u16(at + 10), crc = u32(at + 16), name_length = u16(at + 28), extra_length = u16(at + 30), comment_length = u16(at + 32);
    uint64_t compressed = u32(at + 20), size = u32(at + 24), local = u32(at + 42);
    if (at + 46 + name_length + extra_length > file.size) throw Problem("the zip's central directory is damaged");
    const std::string name(reinterpret_cast<const char*>(file.data + at + 46), name_length);
    for (size_t x = at + 46 + name_length; x + 4 <= at + 46 + name_length + extra_length;) {  // zip64 sizes and offset
      const uint32_t id = u16(x), length = u16(x + 2);
      if (id == 0x0001) {
        size_t field = x + 4;
        if (size == 0xFFFFFFFF) size = u64(field), field += 8;
        if (compressed == 0xFFFFFFFF) compressed = u64(field), field += 8;
        if (local == 0xFFFFFFFF) local = u64(field);
      }
      x += 4 + length;
    }
    if (method != 0) throw Problem("zip entry " + name + " is compressed (method " + std::to_string(method) + "); torch.save stores entries");
    if (local + 30 > file.size || u32(local) != 0x04034b50) throw Problem("zip entry " + name + " has a damaged local header");
    const uint64_t data = local + 30 + u16(local + 26) + u16(local + 28);
    if (data + size > file.size || compressed != size) throw Problem("zip entry " + name + " runs past the end of the file (truncated?)");
    if (crc32(0L, file.data + data, static_cast<uInt>(size)) != crc) throw Problem("zip entry " + name + " fails its CRC-32 check (a damaged file)");
    files[name] = Bytes{file.data + data, static_cast<size_t>(size)};
    at += 46 + name_length + extra_length + comment_length;
  }
  std::string prefix;
  for (const auto& [name, bytes] : files) {
    const auto slash = name.find('/');
    if (slash != std::string::npos && name.substr(slash) == "/data.pkl") prefix = name.substr(0, slash + 1);
  }
  if (prefix.empty()) throw Problem("the zip file has no data.pkl: not a torch.save file (a TorchScript or other archive?)");
  if (const auto order = files.find(prefix + "byteorder"); order != files.end()) {
    const std::string text(reinterpret_cast<const char*>(order->second.data), order->second.size);
    if (text != "little") throw Problem("the tensors are stored " + text + "-endian; only little-endian files are supported");
  }
  Unpickler pickle(files[prefix + "data.pkl"], 0);
  archive.root = pickle.load();
  for (const auto& [key, type] : pickle.storages()) {
    const auto it = files.find(prefix + "data/" + key);
    if (it == files.end()) throw Problem("storage " + key + " is missing from the zip");
    archive.storages[key] = it->second;
  }
  return archive;
}

// The format before torch 1.6: magic number, protocol version, system info, the object, the storage keys, then
// for each key its element count (int64) and its bytes.
Archive read_legacy(Bytes file) {
  size_t at = 0;
  auto next = [&] {
    Unpickler pickle(file, at);
    auto value = pickle.load();
    at = pickle.position();
    return std::make_pair(value, pickle.storages());
  };
  static const std::string kMagic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);  // 0x1950a86a20f9469cfc6c
  const auto magic = next().first;
  if (magic->kind != Value::Kind::kBigInt || magic->text != kMagic) throw Problem("not a PyTorch file (wrong magic number)");
  const auto protocol = next().first;
  if (protocol->kind != Value::Kind::kInt || protocol->integer != 1001) throw Problem("unsupported legacy protocol version");
  const auto info = next().first;
  if (info->kind == Value::Kind::kDict)
    for (size_t i = 0; i + 1 < info->items.size(); i += 2)
      if (info->items[i]->kind == Value::Kind::kString && info->items[i]->text == "little_endian" && info->items[i + 1]->integer != 1)
        throw Problem("the tensors are stored big-endian; only little-endian files are supported");
  auto [root, storages] = next();
  const auto keys = next().first;
  if (keys->kind != Value::Kind::kList) throw Problem("the storage key list is missing");
  Archive archive;
  archive.root = root;
  for (const auto& key_value : keys->items) {
    const auto& key = as_string(key_value, "a storage key");
    const auto it = storages.find(key);
    if (at + 8 > file.size) throw Problem("the file ends before storage " + key);
    const uint64_t count = little_endian(file.data + at, 8);
    at += 8;
    if (it == storages.end()) throw Problem("storage " + key + " is not used by the object");
    const size_t bytes = static_cast<size_t>(count) * c10::elementSize(it->second.first);
    if (static_cast<int64_t>(count) != it->second.second || bytes > file.size - at) throw Problem("storage " + key + " is truncated or mislabelled");
    archive.storages[key] = Bytes{file.data + at, bytes};
    at += bytes;
  }
  if (archive.storages.size() != storages.size()) throw Problem("the object uses storages the file does not hold");
  if (at != file.size) throw Problem(std::to_string(file.size - at) + " unexpected bytes after the last storage");
  return archive;
}

torch::Tensor materialise(const Value& v, const Archive& archive, std::map<std::string, torch::Tensor>& made) {
  const auto& ref = v.tensor;
  auto& storage = made[ref.storage_key];
  if (!storage.defined()) {
    const Bytes bytes = archive.storages.at(ref.storage_key);
    if (bytes.size != static_cast<size_t>(v.numel) * c10::elementSize(v.dtype)) throw Problem("storage " + ref.storage_key + " has the wrong size");
    storage = torch::empty({v.numel}, torch::TensorOptions().dtype(v.dtype));
    if (bytes.size) std::memcpy(storage.data_ptr(), bytes.data, bytes.size);
  }
  int64_t last = ref.offset;
  for (size_t d = 0; d < ref.sizes.size(); ++d) {
    if (ref.sizes[d] < 0 || ref.strides[d] < 0) throw Problem("a tensor has a negative size or stride");
    if (ref.sizes[d] == 0) return torch::empty(ref.sizes, torch::TensorOptions().dtype(v.dtype));
    last += (ref.sizes[d] - 1) * ref.strides[d];
  }
  if (ref.offset < 0 || last >= v.numel) throw Problem("a tensor reaches past the end of storage " + ref.storage_key);
  return storage.as_strided(ref.sizes, ref.strides, ref.offset).clone(torch::MemoryFormat::Contiguous);
}

NamedTensors to_named_tensors(const Archive& archive) {
  ValuePtr dict = archive.root;
  if (dict->kind != Value::Kind::kDict) throw Problem(std::string("holds a ") + kind_name(dict->kind) + ", not a state dict (a dict of tensors)");
  if (dict->items.size() == 2 && dict->items[0]->kind == Value::Kind::kString &&
      (dict->items[0]->text == "state_dict" || dict->items[0]->text == "model") && dict->items[1]->kind == Value::Kind::kDict)
    dict = dict->items[1];
  NamedTensors out;
  std::map<std::string, torch::Tensor> made;
  for (size_t i = 0; i + 1 < dict->items.size(); i += 2) {
    const auto& key = as_string(dict->items[i], "a state dict key");
    const auto& value = dict->items[i + 1];
    if (value->kind != Value::Kind::kTensor) throw Problem("entry " + key + " is a " + kind_name(value->kind) + ", not a tensor");
    out.emplace_back(key, materialise(*value, archive, made));
  }
  if (out.empty()) throw Problem("holds no tensors");
  return out;
}

}  // namespace

NamedTensors read_torch_state_dict(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path, "cannot open the weights file; check the path");
  const std::vector<char> content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw file_error(path, "cannot read the weights file");
  const Bytes bytes{reinterpret_cast<const uint8_t*>(content.data()), content.size()};
  try {
    if (bytes.size >= 4 && std::memcmp(bytes.data, "PK\x03\x04", 4) == 0) return to_named_tensors(read_zip(bytes));
    if (bytes.size >= 2 && bytes.data[0] == 0x80) return to_named_tensors(read_legacy(bytes));
    throw Problem("not a PyTorch weights file (torch.save's zip or legacy format)");
  } catch (const Problem& e) {
    throw file_error(path, e.what());
  } catch (const c10::Error& e) {
    throw file_error(path, std::string("cannot rebuild a tensor: ") + e.what_without_backtrace());
  }
}

}  // namespace genai::util
