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

}  // namespace genai::testing
