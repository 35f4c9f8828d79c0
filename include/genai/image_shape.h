#pragma once
// The one image shape genai works with (28x28, one channel): shared by the data readers, the models and the
// exporters, so none of them includes another for it.
#include <cstdint>

namespace genai {

inline constexpr int64_t kImageSide = 28;
inline constexpr int64_t kImagePixels = kImageSide * kImageSide;

}  // namespace genai
