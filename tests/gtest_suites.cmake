# Run at build time (cmake -P, after a GoogleTest binary links): lists its tests and writes a CTest file that runs
# each test suite in one process (--gtest_filter=Suite.*) and each *_CUDA test in a process of its own. One process
# per suite rather than per test: every test process first loads LibTorch (about 0.5 s, 1 s under AddressSanitizer),
# which was a third of the suite's time with 400 processes. tests/main.cpp exits 77 (SKIP_RETURN_CODE here) when
# every test a process ran was skipped: real data missing outside CI, a *_CUDA test without a GPU.
#   cmake -D TEST_EXECUTABLE=... -D CTEST_FILE=... -D WORKING_DIRECTORY=... [-D ENVIRONMENT=...] [-D LABELS=...] -P ...
execute_process(COMMAND "${TEST_EXECUTABLE}" --gtest_list_tests OUTPUT_VARIABLE listing ERROR_VARIABLE errors
                RESULT_VARIABLE result TIMEOUT 120 WORKING_DIRECTORY "${WORKING_DIRECTORY}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${TEST_EXECUTABLE} --gtest_list_tests failed (${result}): ${errors}")
endif()
# Parameter values follow a '#' and may hold brackets, which CMake's lists treat specially: drop them first.
string(REGEX REPLACE "  *#[^\n]*" "" listing "${listing}")
string(REPLACE "\n" ";" lines "${listing}")

set(properties " SKIP_RETURN_CODE 77")
if(ENVIRONMENT)
  string(APPEND properties " ENVIRONMENT [==[${ENVIRONMENT}]==]")
endif()
if(LABELS)
  string(APPEND properties " LABELS [==[${LABELS}]==]")
endif()

set(script "")
set(suite "")
foreach(line IN LISTS lines)
  if(line MATCHES "^([A-Za-z0-9_/]+)\\.$")
    set(suite "${CMAKE_MATCH_1}")
    string(APPEND script "add_test([==[${suite}]==] [==[${TEST_EXECUTABLE}]==] [==[--gtest_filter=${suite}.*:-*_CUDA]==])\n"
           "set_tests_properties([==[${suite}]==] PROPERTIES WORKING_DIRECTORY [==[${WORKING_DIRECTORY}]==]${properties})\n")
  elseif(suite AND line MATCHES "^  ([A-Za-z0-9_/]+_CUDA)$")
    set(test "${suite}.${CMAKE_MATCH_1}")
    string(APPEND script "add_test([==[${test}]==] [==[${TEST_EXECUTABLE}]==] [==[--gtest_filter=${test}]==])\n"
           "set_tests_properties([==[${test}]==] PROPERTIES WORKING_DIRECTORY [==[${WORKING_DIRECTORY}]==]${properties})\n")
  endif()
endforeach()
file(WRITE "${CTEST_FILE}" "${script}")
