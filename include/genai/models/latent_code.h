#pragma once
// InfoGAN's categorical latent code (Chen et al. 2016) for the unconditional models (--info-codes K).
// An unconditional G must map one connected latent space onto data that falls apart into separate pieces (MNIST's
// ten digits); the samples its latent space puts between the pieces are the malformed ones. With a code, G gets K
// discrete inputs, and an auxiliary head Q on D's features learns to tell the code back from G's image; G and Q
// both minimise the cross-entropy of Q's guess, so each code value is driven to its own, recognisable kind of
// image. No labels are used: the codes find their own split of the data.
// - The code is a function of z: c = floor(K * Phi(z_last)), where Phi is the standard normal CDF of z's last
//   entry, so c is uniform on 0..K-1 and every interface that draws z (sampling, interpolation, eval, export)
//   stays unconditional. G sees z whole plus a learned embedding of c, as the conditional generator does.
// - Q is one Linear layer on D's features phi(x) (the features its adversarial head reads).
// The same generator serves the self-conditioned models (--clusters K, genai/data/clusters.h): there the code is
// the k-means cluster, drawn at the clusters' frequencies (bins of Phi(z_last) as wide as the frequencies, kept in
// the buffer code_edges so that checkpoints and exports carry them), and D is the conditional models' projection
// discriminator, told each real image's cluster and each fake's code.
#include "genai/models/conditional.h"
#include "genai/models/gan.h"

namespace genai::models {

// [B] int64 codes in [0, codes) of the noise rows z [B, z_dim].
torch::Tensor latent_code(const torch::Tensor& z, int64_t codes);
// [B] int64 codes of the noise rows z [B, z_dim]: the number of `edges` (ascending, [K-1], the upper edges of
// codes 0..K-2 on the scale of Phi(z_last)) at or below Phi(z_last).
torch::Tensor latent_code(const torch::Tensor& z, const torch::Tensor& edges);
// The edges ([K-1] float64) as float32 thresholds on z_last itself, on the edges' device (one read to the host);
// or those of `codes` equal bins, on `device`. Made once, they let a training step bin without allocating:
void latent_code_out(torch::Tensor& out, const torch::Tensor& z, const torch::Tensor& thresholds);  // out: [B] int64
torch::Tensor code_thresholds(const torch::Tensor& edges);
torch::Tensor code_thresholds(int64_t codes, torch::Device device);

class LatentCodeGenerator : public Generator {
 public:
  // `inner` takes z_dim + kLabelEmbeddingDim inputs. `weighted`: the codes' frequencies are set by
  // set_code_frequencies (equal until then) and kept in the buffer code_edges; otherwise they are equal.
  LatentCodeGenerator(std::shared_ptr<Generator> inner, int64_t codes, bool weighted = false);
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels = {}) override;  // labels are ignored
  int64_t codes() const { return codes_; }
  // The code G gives each noise row z [B, z_dim] ([B] int64, on z's device).
  torch::Tensor code_of(const torch::Tensor& z) const;
  void code_of_out(torch::Tensor& out, const torch::Tensor& z) const;  // into a preallocated [B] int64
  // Weighted codes only: code c is drawn with probability counts[c] / sum(counts) (counts: [codes], any device).
  void set_code_frequencies(const torch::Tensor& counts);

 private:
  std::shared_ptr<Generator> inner_;
  torch::nn::Embedding embedding_{nullptr};
  int64_t codes_;
  torch::Tensor edges_;  // weighted codes: [codes - 1] float64 buffer code_edges; undefined otherwise
  // The edges as thresholds on z (code_thresholds), cached with the edges' version and the device they were made for.
  const torch::Tensor& thresholds(torch::Device device) const;
  mutable torch::Tensor thresholds_;
  mutable int64_t thresholds_version_ = -1;
};

class CodeDiscriminator : public Discriminator {
 public:
  CodeDiscriminator(std::shared_ptr<FeatureDiscriminator> inner, int64_t codes);
  torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& labels = {}) override;  // D's logits [B]
  // D's logits [B] and Q's code logits [B, codes], from one pass of the features.
  std::pair<torch::Tensor, torch::Tensor> forward_with_codes(const torch::Tensor& images);

 private:
  std::shared_ptr<FeatureDiscriminator> inner_;
  torch::nn::Linear code_head_{nullptr};
};

}  // namespace genai::models
