#pragma once
// Loading a pretrained feature network's weights from a PyTorch state dict file (genai/util/torch_file.h) into a
// module whose parameter and buffer names are the file's keys.
#include <torch/torch.h>

#include <string>

namespace genai::eval {

// Copies every entry of `path` into the parameter or buffer of `module` with its name; batch norm's
// num_batches_tracked may be absent (unused at inference). `what` names the expected file in errors. Throws
// RuntimeError "<path>: ..." naming the first missing, unexpected or misshapen entry. The convolution weights are then
// stored channels-last: feed the network channels-last input.
void load_pretrained_weights(torch::nn::Module& module, const std::string& path, const std::string& what);

}  // namespace genai::eval
