// GoogleTest's main for genai's test binaries, with one addition: a process in which every test that ran was
// skipped (real data missing outside CI, a *_CUDA test without a GPU) exits 77, which CTest reports as skipped
// (tests/gtest_suites.cmake runs one process per test suite, so gtest's own per-test skips are not visible there).
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int result = RUN_ALL_TESTS();
  const auto& run = *::testing::UnitTest::GetInstance();
  if (result == 0 && run.test_to_run_count() > 0 && run.skipped_test_count() == run.test_to_run_count()) return 77;
  return result;
}
