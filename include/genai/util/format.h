#pragma once
// "{}"-style message formatting for genai's log lines, without fmt: the torch wheel ships
// fmt 12 in its include directory while Debian's spdlog is built on fmt 9, so the translation units that
// include LibTorch cannot use either fmt safely. Supports what genai writes: "{}" and "{:.Nf}" / "{:.Ng}".
#include <iomanip>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

namespace genai::util {

// std::string::ends_with arrives with C++20; LibTorch 1.13 builds as C++17.
inline bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

namespace detail {

template <class T>
void put(std::ostringstream& out, std::string_view spec, const T& value) {
  if constexpr (std::is_floating_point_v<T>) {
    // spec: "" (6 significant digits, unlike fmt's shortest round trip), ".Nf" or ".Ng"
    if (spec.size() >= 3 && spec[0] == '.') {
      const int digits = std::stoi(std::string(spec.substr(1, spec.size() - 2)));
      if (spec.back() == 'f') out << std::fixed;
      out << std::setprecision(digits) << value << std::defaultfloat << std::setprecision(6);
      return;
    }
    out << value;
  } else if constexpr (std::is_same_v<T, bool>) {
    out << (value ? "true" : "false");
  } else {
    out << value;
  }
}

// Writes the literal text up to the next "{...}" field ("{{" and "}}" stand for braces) and returns the
// field's spec ("" or ":.3f") with the text after it; no field: the whole text, and npos as the spec's size.
inline std::pair<std::string_view, std::string_view> literal_then_field(std::ostringstream& out, std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      out << c;
      ++i;
    } else if (c == '{') {
      const size_t close = text.find('}', i);
      if (close == std::string_view::npos) break;
      return {text.substr(i + 1, close - i - 1), text.substr(close + 1)};
    } else {
      out << c;
    }
  }
  return {std::string_view(), std::string_view()};
}

inline void format_rest(std::ostringstream& out, std::string_view text) { literal_then_field(out, text); }

template <class T, class... Rest>
void format_rest(std::ostringstream& out, std::string_view text, const T& first, const Rest&... rest) {
  const auto [field, after] = literal_then_field(out, text);
  put(out, field.empty() ? field : field.substr(1), first);
  format_rest(out, after, rest...);
}

}  // namespace detail

template <class... Args>
std::string format(std::string_view text, const Args&... args) {
  std::ostringstream out;
  detail::format_rest(out, text, args...);
  return out.str();
}

// "1h02m", "3m05s", "12s".
inline std::string format_duration(double seconds) {
  const long long s = seconds > 0 ? static_cast<long long>(seconds + 0.5) : 0;
  std::ostringstream out;
  out << std::setfill('0');
  if (s >= 3600)
    out << s / 3600 << 'h' << std::setw(2) << (s % 3600) / 60 << 'm';
  else if (s >= 60)
    out << s / 60 << 'm' << std::setw(2) << s % 60 << 's';
  else
    out << s << 's';
  return out.str();
}

}  // namespace genai::util
