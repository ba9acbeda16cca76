# tests/app/explain_pixels.cmake — pixel test of the Explain panel: your own photo as the probe, its heat drawn.
if(CNNLAB_BUILD_GUI)
  add_executable(explain_pixels ${CMAKE_CURRENT_SOURCE_DIR}/app/explain_pixels.cpp)
  target_link_libraries(explain_pixels PRIVATE cnnlab_ui doctest::doctest cnnlab_flags)
  target_compile_definitions(explain_pixels PRIVATE
    CNNLAB_EXE="$<TARGET_FILE:cnnlab>" CNNLAB_PIXELS_OUT="${CMAKE_BINARY_DIR}/explain_pixels")
  add_dependencies(explain_pixels cnnlab)
  add_test(NAME explain_pixels COMMAND explain_pixels)
  # Exit 77 = no display (run through tools/dev.sh test, or xvfb-run): reported as skipped.
  set_tests_properties(explain_pixels PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
