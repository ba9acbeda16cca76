# tests/app/runs_pixels.cmake — pixel test of the Runs tab and the curves' overlay: `cnnlab train --seeds 2 --runs DIR` on
# generated PNGs, then `cnnlab screenshot --view training --runs DIR` under a display.
if(CNNLAB_BUILD_GUI)
  add_executable(runs_pixels ${CMAKE_CURRENT_SOURCE_DIR}/app/runs_pixels.cpp)
  target_link_libraries(runs_pixels PRIVATE cnnlab_ui doctest::doctest cnnlab_flags)
  target_include_directories(runs_pixels PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_definitions(runs_pixels PRIVATE CNNLAB_EXE="$<TARGET_FILE:cnnlab>")
  add_dependencies(runs_pixels cnnlab)
  add_test(NAME runs_pixels COMMAND runs_pixels)
  # Exit 77 = no display (run it under xvfb-run): reported as skipped.
  set_tests_properties(runs_pixels PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
