// k-means clusters of the training images (--clusters): the clusters found, the fixed point Lloyd's iterations
// stop at, seeding, and bad counts.
#include "genai/data/clusters.h"

#include <gtest/gtest.h>

#include "genai/error.h"

namespace genai {
namespace {

TEST(KMeans, FindsWellSeparatedGroups) {
  // Three groups of 28x28 images around gray levels -0.8, 0 and 0.8, each pixel jittered by at most 0.05.
  torch::manual_seed(3);
  const auto level = torch::tensor({-0.8, 0.0, 0.8}).repeat_interleave(torch::tensor({40, 25, 35}));
  const auto images = level.view({-1, 1, 1, 1}) + (torch::rand({100, 1, 28, 28}) - 0.5) * 0.1;
  const auto labels = data::kmeans_labels(images, 3, 0);
  ASSERT_EQ(labels.scalar_type(), torch::kInt64);
  ASSERT_EQ(labels.sizes(), (std::vector<int64_t>{100}));
  // Each group is one cluster, and the three clusters differ.
  const int64_t a = labels[0].item<int64_t>(), b = labels[40].item<int64_t>(), c = labels[65].item<int64_t>();
  EXPECT_TRUE(torch::all(labels.narrow(0, 0, 40) == a).item<bool>());
  EXPECT_TRUE(torch::all(labels.narrow(0, 40, 25) == b).item<bool>());
  EXPECT_TRUE(torch::all(labels.narrow(0, 65, 35) == c).item<bool>());
  EXPECT_TRUE(a != b && b != c && a != c);
}

TEST(KMeans, StopsAtLloydsFixedPoint) {
  // Unstructured points: whatever clusters come out, each point is nearest to the mean of its own cluster.
  torch::manual_seed(4);
  const auto points = torch::randn({300, 6}, torch::kFloat64);
  const auto labels = data::kmeans_labels(points.to(torch::kFloat32), 5, 1);
  auto means = torch::zeros({5, 6}, torch::kFloat64);
  for (int64_t k = 0; k < 5; ++k) {
    const auto members = points.index({labels == k});
    ASSERT_GT(members.size(0), 0) << k;
    means[k].copy_(members.mean(0));
  }
  const auto distances = (points.unsqueeze(1) - means.unsqueeze(0)).pow(2).sum(2);  // [300, 5]
  const auto own = distances.gather(1, labels.unsqueeze(1)).squeeze(1);
  EXPECT_LE((own - std::get<0>(distances.min(1))).max().item<double>(), 1e-4);
}

TEST(KMeans, TheSeedDecidesAndRepeats) {
  torch::manual_seed(5);
  const auto points = torch::randn({400, 1, 4, 4});
  const auto once = data::kmeans_labels(points, 8, 2), again = data::kmeans_labels(points, 8, 2);
  EXPECT_TRUE(torch::equal(once, again));
  bool any_other = false;  // k-means++ from another seed lands in another local optimum on unstructured data
  for (uint64_t seed = 3; seed < 8 && !any_other; ++seed) any_other = !torch::equal(data::kmeans_labels(points, 8, seed), once);
  EXPECT_TRUE(any_other);
}

TEST(KMeans, RefusesCountsItCannotSplitInto) {
  const auto points = torch::rand({10, 1, 28, 28});
  for (int64_t k : {1, 11}) {
    try {
      data::kmeans_labels(points, k, 0);
      FAIL() << k;
    } catch (const RuntimeError& e) {
      EXPECT_EQ(std::string(e.what()), "k-means needs 2 to 10 clusters for 10 images (got " + std::to_string(k) + "); use --clusters 2 to 10");
    }
  }
}

}  // namespace
}  // namespace genai
