#pragma once
// A line chart of the training losses over steps, drawn without any plotting library: a white canvas,
// light grid lines, the D loss in blue and the G loss in orange, numeric labels in a 3x5 pixel font.
#include <cstdint>
#include <vector>

#include "genai/image/png.h"

namespace genai::image {

struct LossPoint {
  int64_t step;
  double d_loss;
  double g_loss;
};

RgbImage plot_losses(const std::vector<LossPoint>& points, int64_t width = 800, int64_t height = 400);

struct QualityPoint {
  double seconds;  // training wall time
  double frechet_distance;
  int64_t classes_covered;
};

// Sample quality against training wall time (quality_curve.png): FD-LeNet above (blue, "FD"; lower is better),
// classes covered below (orange, "C", from 0 to `classes`). Shows when a run stops improving.
RgbImage plot_quality(const std::vector<QualityPoint>& points, int64_t classes, int64_t width = 800, int64_t height = 500);

}  // namespace genai::image
