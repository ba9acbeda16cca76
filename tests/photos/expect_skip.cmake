# tests/photos/expect_skip.cmake — runs a photo test executable with the photos made absent and requires
# ctest's skip code (77) and the message naming the folder, so "no photos" can never read as "passed".
#   cmake -DEXE=<test_photos> -DMISSING=<folder that does not exist> [-DDATA_ENV=ON] -P expect_skip.cmake
# DATA_ENV=ON: CNNLAB_DATA names the missing folder; otherwise CNNLAB_DATA is empty (unset) and only the
# default (CNNLAB_TEST_DEFAULT_DATA standing in for ../shared/flowers/tiny_FR) is missing.
cmake_minimum_required(VERSION 3.25)
if(EXISTS "${MISSING}")
  message(FATAL_ERROR "${MISSING} exists: choose a folder that does not")
endif()
if(DATA_ENV)
  set(data "${MISSING}")
else()
  set(data "")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env "CNNLAB_DATA=${data}" "CNNLAB_TEST_DEFAULT_DATA=${MISSING}" "${EXE}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 77)
  message(FATAL_ERROR "expected exit 77 (skipped) without photos, got '${rc}':\n${out}${err}")
endif()
string(FIND "${out}" "skipped: no photos at ${MISSING}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "exit 77 but the message does not name ${MISSING}:\n${out}${err}")
endif()
message(STATUS "without photos: exit 77, '${out}'")
