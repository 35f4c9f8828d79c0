// A real image collection nobody here drew: Debian's moka-icon-theme, 819 64x64 PNG icons (gray+alpha and RGBA), as
// scripts/get-data.sh moka-icons assembles it. Skipped without it, except in CI, where it fails.
#include <gtest/gtest.h>

#include <filesystem>

#include "genai/data/image_set.h"
#include "support.h"

namespace genai {
namespace {
namespace fs = std::filesystem;

TEST(RealImages, MokaIconsDecodeCompleteAndCacheExactly) {
  const fs::path folder = fs::path(genai::testing::source_dir()) / "data/moka-icons";
  if (!fs::is_directory(folder)) GENAI_SKIP_OR_FAIL_WITHOUT_REAL_DATA("no data/moka-icons; run scripts/get-data.sh moka-icons");
  genai::testing::TempDir cache;
  std::vector<std::string> lines;
  data::LoadOptions options;
  options.cache_dir = cache.path().string();
  options.progress = [&](const std::string& line) { lines.push_back(line); };
  const auto set = data::load_training_images(folder.string(), "", options);
  EXPECT_EQ(set.size(), 819);  // every icon decodes: none is refused
  EXPECT_EQ(set.shape(), (ImageShape{3, 64}));
  EXPECT_FALSE(set.labelled);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.front().find("skipped 1 files of other kinds"), std::string::npos) << lines.front();  // get-data's SOURCE
  // Icons on a transparent background: composited on white, so the mean is bright and the corners are white.
  const double mean = set.images.to(torch::kFloat64).mean().item<double>();
  EXPECT_GT(mean, 150);
  EXPECT_GT(set.images.select(2, 0).select(2, 0).to(torch::kFloat64).mean().item<double>(), 200);
  std::printf("moka-icons: %lld images %s, mean byte %.1f; %s\n", static_cast<long long>(set.size()), set.shape().describe().c_str(), mean,
              lines.back().c_str());
  lines.clear();
  const auto again = data::load_training_images(folder.string(), "", options);
  EXPECT_NE(lines.back().find("from the cache"), std::string::npos);
  EXPECT_TRUE(torch::equal(set.images, again.images));
}

}  // namespace
}  // namespace genai
