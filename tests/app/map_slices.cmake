# tests/app/map_slices.cmake — feature maps uploaded in slices (issue 11), checked on a real GL context
# (a hidden GLFW window): budgets per update, pixels identical to the one-shot upload, the old maps
# shown until the new ones are whole.
if(CNNLAB_BUILD_GUI)
  add_executable(map_slices ${CMAKE_CURRENT_SOURCE_DIR}/app/map_slices.cpp)
  target_link_libraries(map_slices PRIVATE cnnlab_ui doctest::doctest cnnlab_flags)
  add_test(NAME map_slices COMMAND map_slices)
  # Exit 77 = no display (run through tools/dev.sh test, or xvfb-run): reported as skipped.
  set_tests_properties(map_slices PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
