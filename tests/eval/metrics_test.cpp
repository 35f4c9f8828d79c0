#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "genai/error.h"
#include "genai/eval/class_scores.h"
#include "genai/eval/frechet.h"
#include "genai/eval/kid.h"
#include "genai/eval/nearest_neighbors.h"
#include "genai/eval/parzen.h"

namespace genai {
namespace {

using namespace genai::eval;
const auto kF64 = torch::kFloat64;
const double kPi = std::acos(-1.0);

GaussianStatistics stats(torch::Tensor mean, torch::Tensor covariance) { return GaussianStatistics{mean.to(kF64), covariance.to(kF64), 1000}; }
torch::Tensor mat(std::vector<double> values, int64_t rows, int64_t cols) { return torch::tensor(values, kF64).reshape({rows, cols}); }
void expect_rel(double actual, double expected, double rel) { EXPECT_NEAR(actual, expected, rel * std::abs(expected)) << expected; }

// ---------------------------------------------------------------- Fréchet distance

TEST(Frechet, MeanShiftGivesDTimesCSquared) {
  // N(0, I) vs N(0.5 * 1, I) in 8 dims: only the mean term, 8 * 0.25 = 2.
  auto eye = torch::eye(8, kF64);
  expect_rel(frechet_distance(stats(torch::zeros({8}), eye), stats(torch::full({8}, 0.5), eye)), 2.0, 1e-6);
}

TEST(Frechet, ScaledIdentityGivesDTimesOneMinusSSquared) {
  // N(0, I) vs N(0, 9 I) in 5 dims: 5 + 45 - 2 * 5 * 3 = 20 = 5 (1 - 3)^2.
  auto eye = torch::eye(5, kF64);
  expect_rel(frechet_distance(stats(torch::zeros({5}), eye), stats(torch::zeros({5}), 9 * eye)), 20.0, 1e-6);
}

TEST(Frechet, DiagonalCovariancesGiveSumOfSquaredRootDifferences) {
  // sqrt(a) = {1, 2, 3}, sqrt(b) = {2, 1, 4}: 1 + 1 + 1 = 3; mean difference {1, 2, 0}: 5. Total 8.
  auto a = stats(torch::zeros({3}), torch::diag(torch::tensor({1.0, 4.0, 9.0}, kF64)));
  auto b = stats(torch::tensor({1.0, 2.0, 0.0}), torch::diag(torch::tensor({4.0, 1.0, 16.0}, kF64)));
  expect_rel(frechet_distance(a, b), 8.0, 1e-6);
}

TEST(Frechet, NonCommuting2x2MatchesTraceDeterminantFormula) {
  // For 2x2, M = A B has eigenvalues l1, l2 >= 0 and (sqrt l1 + sqrt l2)^2 = tr M + 2 sqrt(det M).
  // A = [[2,1],[1,2]], B = diag(1,3): A B = [[2,3],[1,6]], tr 8, det 9 -> tr sqrt(M) = sqrt(14).
  // FD = |(1,-1)|^2 + tr A + tr B - 2 sqrt(14) = 2 + 4 + 4 - 2 sqrt(14).
  auto A = mat({2, 1, 1, 2}, 2, 2), B = mat({1, 0, 0, 3}, 2, 2);
  ASSERT_GT((A.mm(B) - B.mm(A)).abs().max().item<double>(), 0.5);  // they really do not commute
  expect_rel(frechet_distance(stats(torch::zeros({2}), A), stats(torch::tensor({1.0, -1.0}), B)), 10 - 2 * std::sqrt(14.0), 1e-6);
}

TEST(Frechet, NonCommuting3x3MatchesEigenvaluesOfNonSymmetricProduct) {
  // Independent route: tr sqrt(A B) = sum of sqrt of the (real, >= 0) eigenvalues of the non-symmetric A B.
  auto A = mat({4, 1, 0, 1, 3, 1, 0, 1, 2}, 3, 3), B = mat({2, 0, 1, 0, 1, 0, 1, 0, 3}, 3, 3);
  ASSERT_GT((A.mm(B) - B.mm(A)).abs().max().item<double>(), 0.5);
  auto eigenvalues = torch::real(torch::linalg_eigvals(A.mm(B)));
  ASSERT_GT(eigenvalues.min().item<double>(), 0.0);
  double expected = (A.trace() + B.trace() - 2 * eigenvalues.sqrt().sum()).item<double>();
  expect_rel(frechet_distance(stats(torch::zeros({3}), A), stats(torch::zeros({3}), B)), expected, 1e-6);
}

TEST(Frechet, IdentitySymmetryShiftAndScaleFromSamples) {
  torch::manual_seed(7);
  auto x = torch::randn({400, 6}, kF64), y = torch::randn({400, 6}, kF64) * 1.5 + 0.3;
  auto sx = gaussian_statistics(x), sy = gaussian_statistics(y);
  const double fd = frechet_distance(sx, sy);
  ASSERT_GT(fd, 1.0);
  EXPECT_NEAR(frechet_distance(sx, sx), 0.0, 1e-9);
  expect_rel(frechet_distance(sy, sx), fd, 1e-6);
  auto shift = torch::tensor({1.0, -2.0, 3.0, 0.5, 10.0, -7.0}, kF64);  // same shift of both means
  expect_rel(frechet_distance({sx.mean + shift, sx.covariance, 400}, {sy.mean + shift, sy.covariance, 400}), fd, 1e-6);
  // Scaling the features by 3 scales means by 3 and covariances by 9: FD by 9.
  expect_rel(frechet_distance(gaussian_statistics(3 * x), gaussian_statistics(3 * y)), 9 * fd, 1e-6);
}

TEST(Frechet, SameDistributionSamplingBiasShrinksLikeOneOverN) {
  // Two draws of N(0, I_64): E FD ~ d(d+1)/(2n) + 2d/n = 0.221 at n = 10000 (relative spread ~3%),
  // 0.883 at n = 2500.
  auto fd_at = [](int64_t n, uint64_t seed) {
    torch::manual_seed(seed);
    auto a = torch::randn({n, 64}), b = torch::randn({n, 64});
    return frechet_distance(gaussian_statistics(a), gaussian_statistics(b));
  };
  const double large = fd_at(10000, 1), medium = fd_at(5000, 3), small = fd_at(2500, 2);
  std::printf("FD of two N(0, I_64) draws: n = 2500: %.4f, n = 5000: %.4f, n = 10000: %.4f\n", small, medium, large);
  EXPECT_GT(medium / large, 1.5);
  EXPECT_LT(medium / large, 2.5);
  EXPECT_GT(large, 0.17);
  EXPECT_LT(large, 0.26);
  EXPECT_GT(small / large, 3.0);
  EXPECT_LT(small / large, 5.0);
}

TEST(Frechet, GaussianStatisticsOfTinyMatrixByHand) {
  // rows (1,2), (3,6), (5,4): mean (3, 4); deviations x {-2,0,2}, y {-2,2,0};
  // unbiased: var x = 8/2 = 4, var y = 8/2 = 4, cov = 4/2 = 2.
  auto s = gaussian_statistics(torch::tensor({1.0f, 2.0f, 3.0f, 6.0f, 5.0f, 4.0f}).reshape({3, 2}));
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(s.mean.scalar_type(), kF64);
  EXPECT_EQ(s.covariance.scalar_type(), kF64);
  EXPECT_TRUE(torch::allclose(s.mean, torch::tensor({3.0, 4.0}, kF64), 0, 1e-12));
  EXPECT_TRUE(torch::allclose(s.covariance, mat({4, 2, 2, 4}, 2, 2), 0, 1e-12));
}

TEST(Frechet, NonFiniteOrMismatchedStatisticsThrow) {
  auto good = stats(torch::zeros({2}), torch::eye(2, kF64));
  auto nan_mean = stats(torch::tensor({0.0, std::nan("")}), torch::eye(2, kF64));
  auto inf_cov = stats(torch::zeros({2}), mat({1, std::numeric_limits<double>::infinity(), 0, 1}, 2, 2));
  auto wider = stats(torch::zeros({3}), torch::eye(3, kF64));
  EXPECT_THROW(frechet_distance(good, nan_mean), RuntimeError);
  EXPECT_THROW(frechet_distance(nan_mean, good), RuntimeError);
  EXPECT_THROW(frechet_distance(good, inf_cov), RuntimeError);
  EXPECT_THROW(frechet_distance(good, wider), RuntimeError);
}

// ---------------------------------------------------------------- KID

TEST(Kid, UnbiasedPolynomialMmdByHand) {
  // d = 1, k(a,b) = (ab + 1)^3. x = {0,1}: k(0,1) = 1 -> 2/(2*1) = 1. y = {1,2}: k(1,2) = 27 -> 27.
  // cross: k(0,1) = 1, k(0,2) = 1, k(1,1) = 8, k(1,2) = 27 -> mean 37/4. MMD^2 = 1 + 27 - 2 * 9.25 = 9.5.
  EXPECT_NEAR(polynomial_mmd2_unbiased(mat({0, 1}, 2, 1), mat({1, 2}, 2, 1)), 9.5, 1e-12);
  // d = 2 (k = (a.b/2 + 1)^3), m = 3, n = 2: x = (1,1),(2,0),(0,0): pairs 8, 1, 1 -> 20/6 = 10/3;
  // y = (2,0),(0,2): 1; cross: x0 -> 8, 8; x1 -> 27, 1; x2 -> 1, 1: 46/6. 10/3 + 1 - 46/3 = -11 (not clamped).
  EXPECT_NEAR(polynomial_mmd2_unbiased(mat({1, 1, 2, 0, 0, 0}, 3, 2), mat({2, 0, 0, 2}, 2, 2)), -11.0, 1e-12);
}

TEST(Kid, SubsetsLargerThanTheSetsUseAllRows) {
  // min(500, 10, 10) = 10: every subset is a reordering of all rows, and the unbiased estimate does not
  // depend on row order, so every subset gives the full-set value: mean = that value, std = 0.
  torch::manual_seed(3);
  auto x = torch::randn({10, 4}, kF64), y = torch::randn({10, 4}, kF64) + 0.5;
  auto kid = kernel_inception_distance(x, y, 3, 500, 11);
  EXPECT_NEAR(kid.mean, polynomial_mmd2_unbiased(x, y), 1e-10);
  EXPECT_NEAR(kid.std, 0.0, 1e-10);
}

TEST(Kid, SelfNearZeroShiftClearlyPositiveAndSeeded) {
  torch::manual_seed(5);
  auto x = torch::randn({2000, 16}, kF64);
  auto self = kernel_inception_distance(x, x, 20, 500, 1);
  auto shifted = kernel_inception_distance(x, x + 1, 20, 500, 1);
  // For y = x + 1, E MMD^2 ~ 1.19 + 9.15 - 2 * 1.375 ~ 7.6. For x with itself the only bias comes from
  // rows drawn into both subsets, whose k(x,x) ~ 8.8 exceeds k(x,x') ~ 1.19: at most 2 * 7.6 / 500 ~ 0.03
  // (identical subsets), ~0.008 for independent ones, plus noise ~1e-3 -- well under 1% of the shifted value.
  EXPECT_GT(shifted.mean, 5.0);
  EXPECT_LT(std::abs(self.mean), 0.05);
  EXPECT_LT(std::abs(self.mean), 0.01 * shifted.mean);
  EXPECT_GE(self.std, 0.0);
  EXPECT_GT(shifted.std, 0.0);
  auto again = kernel_inception_distance(x, x + 1, 20, 500, 1);
  EXPECT_EQ(again.mean, shifted.mean);
  EXPECT_EQ(again.std, shifted.std);
  EXPECT_NE(kernel_inception_distance(x, x + 1, 20, 500, 2).mean, shifted.mean);
}

// ---------------------------------------------------------------- classifier score and mode coverage

TEST(ClassifierScore, UniformOneHotGivesClassCount) {
  // Row i one-hot at i % 10: each 100-row split holds every class 10 times, p(y) uniform,
  // KL(one-hot || uniform) = ln 10 for every row -> exp = 10 in every split.
  auto p = torch::one_hot(torch::arange(1000) % 10, 10).to(kF64);
  auto score = classifier_score(p, 10);
  expect_rel(score.mean, 10.0, 1e-9);
  EXPECT_NEAR(score.std, 0.0, 1e-9);
}

TEST(ClassifierScore, ConstantPredictionGivesOne) {
  auto p = torch::tensor({0.2, 0.3, 0.5}, kF64).repeat({60, 1});  // p(y|x) = p(y): KL 0
  auto score = classifier_score(p, 3);
  EXPECT_NEAR(score.mean, 1.0, 1e-12);
  EXPECT_NEAR(score.std, 0.0, 1e-12);
}

TEST(ClassifierScore, TwoClassHandCaseAndLeftoverRows) {
  // (0.9,0.1), (0.1,0.9): p(y) = (0.5,0.5), each KL = 0.9 ln 1.8 + 0.1 ln 0.2 -> score = exp(KL) = 1.44493...
  const double hand = std::exp(0.9 * std::log(1.8) + 0.1 * std::log(0.2));
  EXPECT_NEAR(classifier_score(mat({0.9, 0.1, 0.1, 0.9}, 2, 2), 1).mean, hand, 1e-12);
  // 5 rows, 2 splits of 2 rows; the 5th row is left out. Split 2 = one-hot (1,0),(0,1) -> 2.
  // mean (hand + 2)/2, population std |2 - hand|/2.
  auto score = classifier_score(mat({0.9, 0.1, 0.1, 0.9, 1, 0, 0, 1, 1, 0}, 5, 2), 2);
  EXPECT_NEAR(score.mean, (hand + 2) / 2, 1e-12);
  EXPECT_NEAR(score.std, (2 - hand) / 2, 1e-12);
}

torch::Tensor labels_with_counts(const std::vector<int64_t>& counts) {
  std::vector<int64_t> labels;
  for (size_t c = 0; c < counts.size(); ++c) labels.insert(labels.end(), counts[c], static_cast<int64_t>(c));
  return torch::tensor(labels, torch::kInt64);
}

TEST(ModeCoverage, EvenSpreadCoversAllWithZeroKl) {
  auto m = mode_coverage(torch::arange(100, torch::kInt64) % 10, 10);
  EXPECT_EQ(m.histogram, std::vector<int64_t>(10, 10));
  EXPECT_EQ(m.covered, 10);
  EXPECT_NEAR(m.kl_to_uniform, 0.0, 1e-12);
}

TEST(ModeCoverage, TwoModesGiveLnFive) {
  // 50/50 on classes 0, 1 of 10: KL = 2 * 0.5 ln(0.5 / 0.1) = ln 5; absent classes contribute 0.
  auto m = mode_coverage(labels_with_counts({50, 50}), 10);
  EXPECT_EQ(m.histogram, (std::vector<int64_t>{50, 50, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(m.covered, 2);
  EXPECT_NEAR(m.kl_to_uniform, std::log(5.0), 1e-12);
}

TEST(ModeCoverage, ThresholdIsInclusiveHalfShare) {
  // N = 100, C = 10: threshold 100/10/2 = 5. Class 0 with 5 counts, class 1 with 4 does not.
  const std::vector<int64_t> counts{5, 4, 11, 10, 10, 10, 10, 10, 10, 20};
  auto m = mode_coverage(labels_with_counts(counts), 10);
  EXPECT_EQ(m.histogram, counts);
  EXPECT_EQ(m.covered, 9);
  double kl = 0;
  for (int64_t c : counts) kl += c / 100.0 * std::log(c / 100.0 / 0.1);
  EXPECT_NEAR(m.kl_to_uniform, kl, 1e-12);
  // N = 30, C = 4: threshold 3.75 (not integer-divided to 3): a class with 3 is not covered, one with 4 is.
  EXPECT_EQ(mode_coverage(labels_with_counts({3, 4, 11, 12}), 4).covered, 3);
}

// ---------------------------------------------------------------- nearest neighbours

TEST(NearestNeighbors, KthNeighborDistancesOnALine) {
  // Points 0, 1, 3, 7 on the x axis. Sorted distances to the others:
  // 0: {1,3,7}; 1: {1,2,6}; 3: {2,3,4}; 7: {4,6,7}.
  auto x = mat({0, 0, 1, 0, 3, 0, 7, 0}, 4, 2);
  EXPECT_TRUE(torch::allclose(kth_neighbor_distances(x, 1), torch::tensor({1.0, 1.0, 2.0, 4.0}, kF64), 0, 1e-12));
  EXPECT_TRUE(torch::allclose(kth_neighbor_distances(x, 2), torch::tensor({3.0, 2.0, 3.0, 6.0}, kF64), 0, 1e-12));
  EXPECT_TRUE(torch::allclose(kth_neighbor_distances(x, 3), torch::tensor({7.0, 6.0, 4.0, 7.0}, kF64), 0, 1e-12));
  EXPECT_EQ(kth_neighbor_distances(x, 1).scalar_type(), kF64);
}

TEST(NearestNeighbors, HandCaseWithExactBoundariesK1) {
  // real r0 (0,0), r1 (2,0), r2 (10,0), r3 (10,3), r4 (-10,0); k = 1 radii 2, 2, 3, 3, 10.
  // fake f0 (1,0): 1 from r0 and r1 -> in 2 balls. f1 (4,0): exactly 2 from r1 -> 1 (boundary).
  // f2 (13,0): exactly 3 from r2, sqrt 18 > 3 from r3 -> 1 (boundary). f3 (20,20), f4 (0,-5): none.
  // density = (2+1+1)/(1*5) = 0.8; precision = 3/5.
  // coverage: r0, r1 (f0), r2 (f2 on boundary) covered; r3 (nearest fake sqrt 18 > 3), r4 (>= 11 > 10) not: 3/5.
  // fake radii (k = 1 among fakes): 3, 3, 9, sqrt 449, sqrt 26. r0, r1 within 1 of f0; r2, r3 within 3 and
  // sqrt 18 <= 9 of f2; r4 is 11 from f0, sqrt 125 from f4, 23 from f2, sqrt 1300 from f3: none -> recall 4/5.
  auto real = mat({0, 0, 2, 0, 10, 0, 10, 3, -10, 0}, 5, 2);
  auto fake = mat({1, 0, 4, 0, 13, 0, 20, 20, 0, -5}, 5, 2);
  auto pr = precision_recall(real, fake, 1);
  EXPECT_NEAR(pr.precision, 0.6, 1e-12);
  EXPECT_NEAR(pr.recall, 0.8, 1e-12);
  auto dc = density_coverage(real, fake, 1);
  EXPECT_NEAR(dc.density, 0.8, 1e-12);
  EXPECT_NEAR(dc.coverage, 0.6, 1e-12);
}

TEST(NearestNeighbors, HandCaseK2DividesDensityByK) {
  // real 0, 1, 3, 7 on the x axis, k = 2 radii 3, 2, 3, 6. fake 5: 2 from 3 and 7 -> 2 balls;
  // -3: exactly 3 from 0 -> 1 (boundary); 12: 5 <= 6 from 7 -> 1. density = 4 / (2*3) = 2/3, precision 1.
  // coverage: real 1 is 4 from both 5 and -3 (> 2), the others covered -> 3/4.
  // fake radii (k = 2 of 3 points): -3: 15, 5: 8, 12: 15 -> every real point inside -> recall 1.
  auto real = mat({0, 0, 1, 0, 3, 0, 7, 0}, 4, 2);
  auto fake = mat({5, 0, -3, 0, 12, 0}, 3, 2);
  auto pr = precision_recall(real, fake, 2);
  EXPECT_NEAR(pr.precision, 1.0, 1e-12);
  EXPECT_NEAR(pr.recall, 1.0, 1e-12);
  auto dc = density_coverage(real, fake, 2);
  EXPECT_NEAR(dc.density, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(dc.coverage, 0.75, 1e-12);
}

TEST(NearestNeighbors, BlockingMatchesBruteForceReference) {
  torch::manual_seed(11);
  auto real = torch::randn({300, 8}), fake = torch::randn({250, 8}) * 1.2 + 0.3;  // float32 in, float64 inside
  const int64_t k = 3;
  // Reference from the full distance matrices (torch::cdist without the matmul shortcut).
  auto r = real.to(kF64), f = fake.to(kF64);
  auto kth = [&](const torch::Tensor& a) { return std::get<0>(torch::cdist(a, a, 2.0, 2).sort(1)).select(1, k); };
  auto r_radius = kth(r), f_radius = kth(f);
  auto fake_to_real = torch::cdist(f, r, 2.0, 2);  // [250, 300]
  auto in_real = fake_to_real <= r_radius.unsqueeze(0), in_fake = fake_to_real <= f_radius.unsqueeze(1);
  const double precision = in_real.any(1).to(kF64).mean().item<double>();
  const double recall = in_fake.any(0).to(kF64).mean().item<double>();
  const double density = in_real.sum().item<double>() / (k * 250.0);
  const double coverage = in_real.any(0).to(kF64).mean().item<double>();
  ASSERT_GT(precision, 0.05);
  ASSERT_LT(precision, 1.0);
  for (int64_t block : {int64_t{1}, int64_t{7}, int64_t{1024}}) {
    SCOPED_TRACE(block);
    EXPECT_TRUE(torch::allclose(kth_neighbor_distances(real, k, block), r_radius, 0, 1e-10));
    auto pr = precision_recall(real, fake, k, block);
    auto dc = density_coverage(real, fake, k, block);
    EXPECT_DOUBLE_EQ(pr.precision, precision);
    EXPECT_DOUBLE_EQ(pr.recall, recall);
    EXPECT_DOUBLE_EQ(dc.density, density);
    EXPECT_DOUBLE_EQ(dc.coverage, coverage);
  }
}

// ---------------------------------------------------------------- Parzen

TEST(Parzen, LogLikelihoodsMatchDirectComputation) {
  auto centres = mat({0, 0, 1, 0, 0, 2}, 3, 2), points = mat({0.5, 0.5, -1, 1}, 2, 2);
  const std::vector<double> sigmas{0.5, 1.0};
  auto ll = parzen_log_likelihoods(centres, points, sigmas);
  ASSERT_EQ(ll.dim(), 2);
  ASSERT_EQ(ll.size(0), 2);  // [sigmas, N]: 2 sigmas, 2 points
  ASSERT_EQ(ll.size(1), 2);
  EXPECT_EQ(ll.scalar_type(), kF64);
  EXPECT_TRUE(torch::allclose(parzen_log_likelihoods(centres, points, sigmas, 1), ll, 0, 1e-12));
  for (int64_t s = 0; s < 2; ++s)
    for (int64_t n = 0; n < 2; ++n) {
      // log((1/M) sum_i exp(-|x - c_i|^2 / (2 s^2)) / (2 pi s^2)^(D/2)), D = 2.
      double sum = 0;
      for (int64_t i = 0; i < 3; ++i) {
        double d2 = (points[n] - centres[i]).pow(2).sum().item<double>();
        sum += std::exp(-d2 / (2 * sigmas[s] * sigmas[s])) / (2 * kPi * sigmas[s] * sigmas[s]);
      }
      EXPECT_NEAR(ll[s][n].item<double>(), std::log(sum / 3), 1e-9);
    }
}

TEST(Parzen, FarPointStaysFiniteViaLogSumExp) {
  // Centres 0 and 1, point 100, sigma 0.1 (D = 1): exp underflows, but log p =
  // -99^2 / 0.02 + log(1 + exp(-9950)) - log 2 - 0.5 log(2 pi 0.01) = -490050 - log 2 - 0.5 log(0.02 pi).
  auto ll = parzen_log_likelihoods(mat({0, 1}, 2, 1), mat({100}, 1, 1), {0.1});
  EXPECT_NEAR(ll[0][0].item<double>(), -490050 - std::log(2.0) - 0.5 * std::log(0.02 * kPi), 1e-6);
}

TEST(Parzen, SigmaGridIsGoodfellowsLogGrid) {
  auto grid = parzen_sigma_grid();
  ASSERT_EQ(grid.size(), 10u);
  EXPECT_NEAR(grid.front(), 0.1, 1e-12);
  EXPECT_NEAR(grid.back(), 1.0, 1e-12);
  for (size_t i = 1; i < grid.size(); ++i) EXPECT_NEAR(grid[i] / grid[i - 1], std::pow(10.0, 1.0 / 9), 1e-9);
}

TEST(Parzen, WindowEstimatePicksClosedFormBestSigma) {
  // One centre at 0 in D = 1, validation points +-1: mean log-lik -1/(2 s^2) - 0.5 log(2 pi s^2), maximised
  // at s = 1: -7.53 (0.25), -2.23 (0.5), -1.42 (1), -1.74 (2).
  // Test points 0, 2, -1 at s = 1: -x^2/2 - c with c = 0.5 log 2 pi -> {0, -2, -0.5} - c, mean -5/6 - c;
  // deviations 5/6, -7/6, 1/3 -> squares sum 78/36 = 13/6, sample variance 13/12, SE = sqrt(13/12 / 3) = sqrt(13)/6.
  auto est = parzen_window_estimate(mat({0}, 1, 1), mat({1, -1}, 2, 1), mat({0, 2, -1}, 3, 1), {0.25, 0.5, 1.0, 2.0});
  EXPECT_DOUBLE_EQ(est.sigma, 1.0);
  EXPECT_NEAR(est.mean, -5.0 / 6 - 0.5 * std::log(2 * kPi), 1e-12);
  EXPECT_NEAR(est.standard_error, std::sqrt(13.0) / 6, 1e-12);
}

}  // namespace
}  // namespace genai
