#pragma once
// Records the largest single operator-new allocation made by this thread while a LargestAllocation is
// alive: the mutation tests use it to prove that a lying header never makes a reader allocate more
// than the file justifies. (LibTorch's tensor storage bypasses operator new; the readers' own buffers
// do not.)
#include <cstddef>

namespace genai::testing {

class LargestAllocation {
 public:
  LargestAllocation();
  ~LargestAllocation();
  size_t bytes() const;
};

// Counts this thread's operator-new calls while alive. Every LibTorch tensor (its TensorImpl), autograd node and
// intrusive handle is one, so the count of a training step is the number of objects it creates: the hot loop's
// per-step allocations, on the CPU.
class AllocationCount {
 public:
  AllocationCount();
  ~AllocationCount();
  size_t calls() const;
};

}  // namespace genai::testing
