#include "allocation_tracker.h"

#include <cstdlib>
#include <new>

namespace {
thread_local bool g_tracking = false;
thread_local size_t g_largest = 0;
thread_local bool g_counting = false;
thread_local size_t g_calls = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (g_tracking && size > g_largest) g_largest = size;
  if (g_counting) ++g_calls;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace genai::testing {
LargestAllocation::LargestAllocation() { g_tracking = true, g_largest = 0; }
LargestAllocation::~LargestAllocation() { g_tracking = false; }
size_t LargestAllocation::bytes() const { return g_largest; }
AllocationCount::AllocationCount() { g_counting = true, g_calls = 0; }
AllocationCount::~AllocationCount() { g_counting = false; }
size_t AllocationCount::calls() const { return g_calls; }
}  // namespace genai::testing
