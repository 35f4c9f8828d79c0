#pragma once
// The config's closed sets (loss, generator normalisation, augmentation, what a NaN does, the model kind) as enums.
// Each set lists its members once, with the spelling that flags, TOML files and checkpoints use; the schema
// parses that spelling into the enum (an unknown word is refused while parsing) and writes it back, so configs and
// checkpoints keep their text. Code asks a member for its properties (uses_gradient_penalty(loss)) instead of
// comparing words.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace genai {

template <class E>
struct Spelling {
  E value;
  const char* name;
};

// Specialised for every closed set: `static constexpr std::array<Spelling<E>, N> members`, in the order help lists them.
template <class E>
struct ClosedSet;

template <class E>
constexpr const char* name(E value) {
  for (const auto& member : ClosedSet<E>::members)
    if (member.value == value) return member.name;
  return "?";  // unreachable for a member of the set
}

template <class E>
std::optional<E> find_member(std::string_view text) {
  for (const auto& member : ClosedSet<E>::members)
    if (text == member.name) return member.value;
  return std::nullopt;
}

// "bce, hinge, lsgan or wgan-gp"
template <class E>
std::string member_names() {
  std::string out;
  const size_t n = ClosedSet<E>::members.size();
  for (size_t i = 0; i < n; ++i) out += std::string(i == 0 ? "" : i + 1 == n ? " or " : ", ") + ClosedSet<E>::members[i].name;
  return out;
}

// The adversarial objective (genai/losses.h).
enum class Loss { kBce, kHinge, kLsgan, kWganGp };
template <>
struct ClosedSet<Loss> {
  static constexpr std::array<Spelling<Loss>, 4> members{
      {{Loss::kBce, "bce"}, {Loss::kHinge, "hinge"}, {Loss::kLsgan, "lsgan"}, {Loss::kWganGp, "wgan-gp"}}};
};
// WGAN-GP's critic needs its gradient penalty on images between real and fake ones (gp-weight).
constexpr bool uses_gradient_penalty(Loss loss) { return loss == Loss::kWganGp; }

// The MLP generator's normalisation after each hidden layer.
enum class GeneratorNorm { kBatch, kNone };
template <>
struct ClosedSet<GeneratorNorm> {
  static constexpr std::array<Spelling<GeneratorNorm>, 2> members{{{GeneratorNorm::kBatch, "batch"}, {GeneratorNorm::kNone, "none"}}};
};
// BatchNorm needs at least two images per batch in training.
constexpr bool uses_batch_norm(GeneratorNorm norm) { return norm == GeneratorNorm::kBatch; }

// DiffAugment's transforms before D (genai/train/augment.h).
enum class Augment { kNone, kTranslation, kCutout, kTranslationCutout };
template <>
struct ClosedSet<Augment> {
  static constexpr std::array<Spelling<Augment>, 4> members{{{Augment::kNone, "none"},
                                                             {Augment::kTranslation, "translation"},
                                                             {Augment::kCutout, "cutout"},
                                                             {Augment::kTranslationCutout, "translation,cutout"}}};
};
constexpr bool translates(Augment a) { return a == Augment::kTranslation || a == Augment::kTranslationCutout; }
constexpr bool cuts_out(Augment a) { return a == Augment::kCutout || a == Augment::kTranslationCutout; }

// What a NaN/Inf in the losses or weights does.
enum class OnNan { kStop, kRollback };
template <>
struct ClosedSet<OnNan> {
  static constexpr std::array<Spelling<OnNan>, 2> members{{{OnNan::kStop, "stop"}, {OnNan::kRollback, "rollback"}}};
};
// Reload the newest good checkpoint and go on with lower learning rates, instead of stopping.
constexpr bool rolls_back(OnNan on_nan) { return on_nan == OnNan::kRollback; }

// The architectures; their properties (conditional, convolutional) are in genai/config.h.
enum class ModelKind { kMlp, kDcgan, kCmlp, kCdcgan };
template <>
struct ClosedSet<ModelKind> {
  static constexpr std::array<Spelling<ModelKind>, 4> members{
      {{ModelKind::kMlp, "mlp"}, {ModelKind::kDcgan, "dcgan"}, {ModelKind::kCmlp, "cmlp"}, {ModelKind::kCdcgan, "cdcgan"}}};
};

}  // namespace genai
