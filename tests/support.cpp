#include "support.h"

#include <stb_image.h>
#include <stb_image_write.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "test_paths.h"

namespace genai::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("genai-test-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

data::ImageDataset tiny_dataset(int64_t n) { return data::to_dataset(make_tiny_images(n), "tiny", torch::kCPU); }

TrainConfig tiny_config(const std::string& kind, uint64_t seed) {
  TrainConfig c;
  c.model.kind = model_kind(kind);
  c.model.dcgan_channels = 8;
  c.batch_size = 16;
  c.seed = seed;
  c.sample_grid = 4;
  return c;
}

void write_bytes(const std::filesystem::path& file, const std::vector<uint8_t>& bytes) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::pair<int, int> png_size(const std::filesystem::path& file) {
  int w = 0, h = 0, c = 0;
  if (!stbi_info(file.c_str(), &w, &h, &c)) return {-1, -1};
  return {w, h};
}

data::LabeledImages make_tiny_images(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  data::LabeledImages set;
  set.images.dims = {n, 28, 28};
  set.labels.dims = {n};
  set.images.bytes.resize(static_cast<size_t>(n * 784));
  set.labels.bytes.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(i % 10);
    set.labels.bytes[i] = static_cast<uint8_t>(label);
    uint8_t* img = &set.images.bytes[static_cast<size_t>(i * 784)];
    for (int p = 0; p < 784; ++p) img[p] = static_cast<uint8_t>(rng() % 32);
    for (int x = 4; x < 24; ++x) img[(4 + 2 * label) * 28 + x] = 255;
  }
  return set;
}

void write_tiny_dataset(const fs::path& dir, int64_t n, bool gz) {
  fs::create_directories(dir);
  const std::string ext = gz ? ".gz" : "";
  auto train = make_tiny_images(n, 1);
  data::write_idx((dir / ("train-images-idx3-ubyte" + ext)).string(), train.images);
  data::write_idx((dir / ("train-labels-idx1-ubyte" + ext)).string(), train.labels);
  auto test = make_tiny_images(std::max<int64_t>(n / 4, 10), 2);
  data::write_idx((dir / ("t10k-images-idx3-ubyte" + ext)).string(), test.images);
  data::write_idx((dir / ("t10k-labels-idx1-ubyte" + ext)).string(), test.labels);
}

void write_image_file(const fs::path& path, int width, int height, int channels, const std::vector<uint8_t>& pixels) {
  fs::create_directories(path.parent_path());
  const std::string ext = path.extension().string();
  const bool jpeg = ext == ".jpg" || ext == ".jpeg" || ext == ".JPG";
  const int ok = ext == ".bmp" ? stbi_write_bmp(path.c_str(), width, height, channels, pixels.data())
                 : jpeg        ? stbi_write_jpg(path.c_str(), width, height, channels, pixels.data(), 95)
                               : stbi_write_png(path.c_str(), width, height, channels, pixels.data(), width * channels);
  if (!ok) throw std::runtime_error("could not write " + path.string());
}

void write_image_file(const fs::path& path, int width, int height, int channels, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> pixels(static_cast<size_t>(width * height * channels));
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c)
        pixels[static_cast<size_t>((y * width + x) * channels + c)] =
            c == 3 ? 255 : static_cast<uint8_t>(x == y * width / height ? 255 - 40 * c : rng() % 64 + 32 * c);
  write_image_file(path, width, height, channels, pixels);
}

void write_image_folder(const fs::path& dir, int n, int side, int classes) {
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "img%04d.png", i);
    const fs::path folder = classes > 0 ? dir / ("class_" + std::to_string(i % classes)) : dir;
    write_image_file(folder / name, side, side, 3, static_cast<uint64_t>(i + 1));
  }
}

namespace {

bool valid(const ModelConfig& model) {
  std::vector<std::string> problems;
  validate(model, problems);
  return problems.empty();
}

// Sets the field to another valid value; false when there is none to find.
bool set_other_value(const TrainField& field, TrainConfig& config) {
  return std::visit(
      [&](auto ref) {
        auto& value = ref(config);
        using T = std::decay_t<decltype(value)>;
        const T original = value;
        const auto take = [&](const T& candidate) {
          if (candidate == original) return false;
          value = candidate;
          if (valid(config.model)) return true;
          value = original;
          return false;
        };
        if constexpr (std::is_same_v<T, bool>) {
          return take(!original);
        } else if constexpr (std::is_enum_v<T>) {
          for (const auto& member : ClosedSet<T>::members)
            if (take(member.value)) return true;
          return false;
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          for (int64_t size = 1; size <= 1024; ++size)
            if (take({size})) return true;
          return false;
        } else if constexpr (std::is_arithmetic_v<T>) {
          // Upwards first: below a default there is often only 0, a special value ("0: the data's own").
          const T unit = std::is_floating_point_v<T> ? T(1) / 64 : T(1);
          for (int k = 1; k <= 1024; ++k)
            if (take(static_cast<T>(original + unit * k))) return true;
          for (int k = 1; k <= 1024; ++k)
            if (take(static_cast<T>(original - unit * k))) return true;
          return false;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return take(original + "x");
        } else {
          static_assert(sizeof(T) == 0, "model_field_variants: teach set_other_value this field type");
          return false;
        }
      },
      field.ref);
}

}  // namespace

std::vector<ModelFieldVariant> model_field_variants(const ModelConfig& base) {
  std::vector<ModelFieldVariant> variants;
  for (const TrainField* field : model_fields()) {
    TrainConfig config;
    config.model = base;
    if (!set_other_value(*field, config))
      throw std::logic_error(std::string("model_field_variants: no other valid value for ") + field->key + "; give the base model one");
    variants.push_back({field, config.model});
  }
  return variants;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string on_cpu(const std::string& arguments) {
  const size_t end = arguments.find(' ');
  const std::string command = arguments.substr(0, end);
  const bool takes_device = command == "train" || command == "sample" || command == "eval" || command == "bench";
  if (!takes_device || arguments.find("--device") != std::string::npos) return arguments;
  return command + " --device cpu" + (end == std::string::npos ? "" : arguments.substr(end));
}

CommandResult run_genai(const std::string& arguments, const fs::path& work_dir) { return run_genai_as_is(on_cpu(arguments), work_dir); }

CommandResult run_genai_as_is(const std::string& arguments, const fs::path& work_dir) {
  const std::string bin = genai_binary();
  CommandResult result;
  const std::string out = (work_dir / "cmd.stdout").string(), err = (work_dir / "cmd.stderr").string();
  const std::string command = "cd '" + work_dir.string() + "' && '" + bin + "' " + arguments + " >'" + out + "' 2>'" + err + "' </dev/null";
  const int status = std::system(command.c_str());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_text(out);
  result.err = read_text(err);
  return result;
}

int spawn_genai(const std::string& arguments, const fs::path& work_dir) { return spawn_genai_with("", arguments, work_dir, "bg"); }

int spawn_genai_with(const std::string& environment, const std::string& arguments, const fs::path& work_dir, const std::string& name) {
  const std::string command = "cd '" + work_dir.string() + "' && exec env " + environment + " '" + genai_binary() + "' " + on_cpu(arguments) + " >'" +
                              (work_dir / (name + ".stdout")).string() + "' 2>'" + (work_dir / (name + ".stderr")).string() + "' </dev/null";
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_for_exit(int pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

std::string source_dir() { return GENAI_TEST_SOURCE_DIR; }

std::string genai_binary() {
  static const std::string path = (fs::canonical("/proc/self/exe").parent_path() / GENAI_TEST_BINARY_FROM_TESTS).lexically_normal().string();
  return path;
}

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

}  // namespace genai::testing
