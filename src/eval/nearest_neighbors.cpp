#include "genai/eval/nearest_neighbors.h"

#include "genai/error.h"

namespace genai::eval {
namespace {

torch::Tensor as_float64(const torch::Tensor& t) { return t.to(torch::kCPU, torch::kFloat64).contiguous(); }

// Distances from the rows of `a` [b, D] to all rows of `b` [N, D], given the squared norms of b.
torch::Tensor block_distances(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& b_squared_norms) {
  auto squared = a.pow(2).sum(1, /*keepdim=*/true) + b_squared_norms.unsqueeze(0) - 2 * a.matmul(b.t());
  return squared.clamp_min_(0).sqrt_();
}

// Calls visit(first_row, distances [rows, |to|]) for consecutive blocks of rows of `from`. Blocks are
// also kept under kMaxBlockElements, so memory stays bounded however many samples there are.
template <typename Visit>
void for_each_distance_block(const torch::Tensor& from, const torch::Tensor& to, int64_t block_rows, Visit visit) {
  if (block_rows < 1) throw RuntimeError("nearest-neighbour metrics need block_rows >= 1");
  constexpr int64_t kMaxBlockElements = int64_t{1} << 24;  // 128 MiB of float64
  block_rows = std::max<int64_t>(1, std::min(block_rows, kMaxBlockElements / std::max<int64_t>(1, to.size(0))));
  const auto to_norms = to.pow(2).sum(1);
  for (int64_t first = 0; first < from.size(0); first += block_rows) {
    const int64_t rows = std::min(block_rows, from.size(0) - first);
    visit(first, block_distances(from.narrow(0, first, rows), to, to_norms));
  }
}

void check_sets(const torch::Tensor& real, const torch::Tensor& fake, int64_t k) {
  if (real.dim() != 2 || fake.dim() != 2 || real.size(1) != fake.size(1))
    throw RuntimeError("nearest-neighbour metrics need two [N, D] feature sets of equal width");
  if (k < 1 || k >= real.size(0) || k >= fake.size(0))
    throw RuntimeError("nearest-neighbour metrics need k >= 1 and more than k samples in each set (k = " + std::to_string(k) + ")");
}

}  // namespace

torch::Tensor kth_neighbor_distances(const torch::Tensor& x_in, int64_t k, int64_t block_rows) {
  const auto x = as_float64(x_in);
  if (x.dim() != 2 || k < 1 || k >= x.size(0)) throw RuntimeError("k-th neighbour distances need [N, D] with N > k");
  auto radii = torch::empty({x.size(0)}, torch::kFloat64);
  for_each_distance_block(x, x, block_rows, [&](int64_t first, torch::Tensor d) {
    // Each row's own distance is set to -1 so that it is always the smallest and index k is the k-th other.
    d.diagonal(first).fill_(-1.0);
    radii.narrow(0, first, d.size(0)).copy_(std::get<0>(d.topk(k + 1, 1, /*largest=*/false, /*sorted=*/true)).select(1, k));
  });
  return radii;
}

PrecisionRecall precision_recall(const torch::Tensor& real_in, const torch::Tensor& fake_in, int64_t k, int64_t block_rows) {
  check_sets(real_in, fake_in, k);
  const auto real = as_float64(real_in), fake = as_float64(fake_in);
  auto share_inside = [&](const torch::Tensor& points, const torch::Tensor& centres) {
    const auto radii = kth_neighbor_distances(centres, k, block_rows);
    int64_t inside = 0;
    for_each_distance_block(points, centres, block_rows,
                            [&](int64_t, const torch::Tensor& d) { inside += d.le(radii.unsqueeze(0)).any(1).sum().item<int64_t>(); });
    return static_cast<double>(inside) / points.size(0);
  };
  return {share_inside(fake, real), share_inside(real, fake)};
}

DensityCoverage density_coverage(const torch::Tensor& real_in, const torch::Tensor& fake_in, int64_t k, int64_t block_rows) {
  check_sets(real_in, fake_in, k);
  const auto real = as_float64(real_in), fake = as_float64(fake_in);
  const auto radii = kth_neighbor_distances(real, k, block_rows);
  int64_t memberships = 0;  // (fake j, real ball i) pairs with j inside ball i
  for_each_distance_block(fake, real, block_rows,
                          [&](int64_t, const torch::Tensor& d) { memberships += d.le(radii.unsqueeze(0)).sum().item<int64_t>(); });
  int64_t covered = 0;  // real balls holding at least one fake sample
  for_each_distance_block(real, fake, block_rows, [&](int64_t first, const torch::Tensor& d) {
    covered += d.amin(1).le(radii.narrow(0, first, d.size(0))).sum().item<int64_t>();
  });
  return {static_cast<double>(memberships) / (static_cast<double>(k) * fake.size(0)), static_cast<double>(covered) / real.size(0)};
}

}  // namespace genai::eval
