#include "genai/image/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "genai/util/format.h"

namespace genai::image {
namespace {

struct Color {
  uint8_t r, g, b;
};
constexpr Color kGrid{225, 225, 225}, kAxis{60, 60, 60}, kDColor{31, 119, 180}, kGColor{255, 127, 14};

// 3x5 glyphs for the characters labels need, one row per 3-bit number (top row first).
const uint8_t* glyph(char c) {
  static const uint8_t digits[10][5] = {{7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1},
                                        {7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1}, {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7}};
  static const uint8_t dot[5] = {0, 0, 0, 0, 2}, d[5] = {6, 5, 5, 5, 6}, g[5] = {7, 4, 5, 5, 7}, k[5] = {5, 5, 6, 5, 5};
  static const uint8_t f[5] = {7, 4, 6, 4, 4}, c_[5] = {7, 4, 4, 4, 7}, h[5] = {4, 4, 6, 5, 5}, m[5] = {0, 6, 7, 5, 5}, s[5] = {3, 4, 2, 1, 6};
  if (c == 'F') return f;
  if (c == 'C') return c_;
  if (c == 'h') return h;
  if (c == 'm') return m;
  if (c == 's') return s;
  if (c >= '0' && c <= '9') return digits[c - '0'];
  if (c == '.') return dot;
  if (c == 'D') return d;
  if (c == 'G') return g;
  if (c == 'k') return k;
  return nullptr;
}

class Canvas {
 public:
  Canvas(int64_t w, int64_t h) : image_{w, h, std::vector<uint8_t>(static_cast<size_t>(w * h * 3), 255)} {}
  void set(int64_t x, int64_t y, Color c) {
    if (x < 0 || y < 0 || x >= image_.width || y >= image_.height) return;
    uint8_t* p = &image_.pixels[static_cast<size_t>((y * image_.width + x) * 3)];
    p[0] = c.r, p[1] = c.g, p[2] = c.b;
  }
  void line(double x0, double y0, double x1, double y1, Color c) {
    const int64_t n = static_cast<int64_t>(std::max(std::abs(x1 - x0), std::abs(y1 - y0))) + 1;
    for (int64_t i = 0; i <= n; ++i) {
      const double t = static_cast<double>(i) / static_cast<double>(n);
      set(std::lround(x0 + t * (x1 - x0)), std::lround(y0 + t * (y1 - y0)), c);
      set(std::lround(x0 + t * (x1 - x0)), std::lround(y0 + t * (y1 - y0)) + 1, c);  // 2 px thick
    }
  }
  void fill(int64_t x, int64_t y, int64_t w, int64_t h, Color c) {
    for (int64_t j = 0; j < h; ++j)
      for (int64_t i = 0; i < w; ++i) set(x + i, y + j, c);
  }
  void text(int64_t x, int64_t y, const std::string& s, Color c, int64_t scale = 2) {
    for (char ch : s) {
      if (const uint8_t* rows = glyph(ch))
        for (int64_t r = 0; r < 5; ++r)
          for (int64_t col = 0; col < 3; ++col)
            if (rows[r] & (4 >> col)) fill(x + col * scale, y + r * scale, scale, scale, c);
      x += 4 * scale;
    }
  }
  RgbImage take() { return std::move(image_); }

 private:
  RgbImage image_;
};

std::string number_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f" : "%.2f", v);
  return buf;
}

std::string step_label(int64_t step) { return step >= 10000 ? std::to_string(step / 1000) + "k" : std::to_string(step); }

}  // namespace

RgbImage plot_losses(const std::vector<LossPoint>& points, int64_t width, int64_t height) {
  Canvas canvas(width, height);
  const int64_t left = 60, right = width - 20, top = 30, bottom = height - 30;
  double y_max = 0;
  int64_t x_min = points.empty() ? 0 : points.front().step, x_max = points.empty() ? 1 : points.back().step;
  for (const auto& p : points)
    for (double v : {p.d_loss, p.g_loss})
      if (std::isfinite(v)) y_max = std::max(y_max, v);
  y_max = y_max > 0 ? y_max * 1.05 : 1.0;
  if (x_max <= x_min) x_max = x_min + 1;
  auto px = [&](int64_t step) { return left + static_cast<double>(step - x_min) / static_cast<double>(x_max - x_min) * (right - left); };
  auto py = [&](double v) { return bottom - std::clamp(v / y_max, 0.0, 1.0) * (bottom - top); };

  for (int i = 0; i <= 4; ++i) {
    const double v = y_max * i / 4;
    canvas.line(left, py(v), right, py(v), kGrid);
    canvas.text(4, static_cast<int64_t>(py(v)) - 5, number_label(v), kAxis);
  }
  canvas.line(left, top, left, bottom, kAxis);
  canvas.line(left, bottom, right, bottom, kAxis);
  canvas.text(left, bottom + 10, step_label(x_min), kAxis);
  const std::string last = step_label(x_max);
  canvas.text(right - static_cast<int64_t>(last.size()) * 8, bottom + 10, last, kAxis);
  // Legend: a colour swatch and the letter of each network.
  canvas.fill(right - 70, 8, 16, 10, kDColor), canvas.text(right - 50, 8, "D", kAxis);
  canvas.fill(right - 34, 8, 16, 10, kGColor), canvas.text(right - 14, 8, "G", kAxis);

  for (size_t i = 1; i < points.size(); ++i) {
    const auto &a = points[i - 1], &b = points[i];
    if (std::isfinite(a.d_loss) && std::isfinite(b.d_loss)) canvas.line(px(a.step), py(a.d_loss), px(b.step), py(b.d_loss), kDColor);
    if (std::isfinite(a.g_loss) && std::isfinite(b.g_loss)) canvas.line(px(a.step), py(a.g_loss), px(b.step), py(b.g_loss), kGColor);
  }
  return canvas.take();
}

RgbImage plot_quality(const std::vector<QualityPoint>& points, int64_t classes, int64_t width, int64_t height) {
  Canvas canvas(width, height);
  const int64_t left = 60, right = width - 20;
  double x_max = 0, fd_max = 0;
  for (const auto& p : points) {
    x_max = std::max(x_max, p.seconds);
    if (std::isfinite(p.frechet_distance)) fd_max = std::max(fd_max, p.frechet_distance);
  }
  if (x_max <= 0) x_max = 1;
  fd_max = fd_max > 0 ? fd_max * 1.05 : 1.0;
  const double c_max = static_cast<double>(std::max<int64_t>(classes, 1));
  auto px = [&](double seconds) { return left + seconds / x_max * (right - left); };
  // Two panels, one above the other, sharing the time axis.
  struct Panel {
    int64_t top, bottom;
    double y_max;
    Color color;
    const char* legend;
  };
  const int64_t middle = height / 2 + 10;
  const Panel panels[2] = {{30, middle - 30, fd_max, kDColor, "FD"}, {middle, height - 30, c_max, kGColor, "C"}};
  for (int which = 0; which < 2; ++which) {
    const Panel& p = panels[which];
    auto py = [&](double v) { return p.bottom - std::clamp(v / p.y_max, 0.0, 1.0) * static_cast<double>(p.bottom - p.top); };
    for (int i = 0; i <= 4; ++i) {
      const double v = p.y_max * i / 4;
      canvas.line(left, py(v), right, py(v), kGrid);
      canvas.text(4, static_cast<int64_t>(py(v)) - 5, number_label(v), kAxis);
    }
    canvas.line(left, p.top, left, p.bottom, kAxis);
    canvas.line(left, p.bottom, right, p.bottom, kAxis);
    canvas.fill(right - 60, p.top - 22, 16, 10, p.color), canvas.text(right - 40, p.top - 22, p.legend, kAxis);
    for (size_t i = 1; i < points.size(); ++i) {
      const double a = which == 0 ? points[i - 1].frechet_distance : static_cast<double>(points[i - 1].classes_covered);
      const double b = which == 0 ? points[i].frechet_distance : static_cast<double>(points[i].classes_covered);
      if (std::isfinite(a) && std::isfinite(b)) canvas.line(px(points[i - 1].seconds), py(a), px(points[i].seconds), py(b), p.color);
    }
    for (const auto& point : points) {  // a dot per eval, so a single eval shows too
      const double v = which == 0 ? point.frechet_distance : static_cast<double>(point.classes_covered);
      if (std::isfinite(v)) canvas.fill(std::lround(px(point.seconds)) - 2, std::lround(py(v)) - 2, 5, 5, p.color);
    }
  }
  canvas.text(left, height - 20, "0s", kAxis);
  const std::string last = util::format_duration(x_max);
  canvas.text(right - static_cast<int64_t>(last.size()) * 8, height - 20, last, kAxis);
  return canvas.take();
}

}  // namespace genai::image
