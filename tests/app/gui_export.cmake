# tests/app/gui_export.cmake — the window's PNG export (Ctrl+S: the slide; Ctrl+Shift+S: the whole window),
# driven through the real window under a display (tools/dev.sh test provides Xvfb).
if(CNNLAB_BUILD_GUI)
  add_executable(gui_export ${CMAKE_CURRENT_SOURCE_DIR}/app/gui_export.cpp)
  target_link_libraries(gui_export PRIVATE cnnlab_data cnnlab_core doctest::doctest cnnlab_flags)
  target_include_directories(gui_export PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})  # test_tmp.h
  target_compile_definitions(gui_export PRIVATE
    CNNLAB_EXE="$<TARGET_FILE:cnnlab>" CNNLAB_LESSONS_DIR="${CNNLAB_ROOT}/lessons")
  add_dependencies(gui_export cnnlab)
  add_test(NAME gui_export COMMAND gui_export)
  # Exit 77 = no display: reported as skipped.
  set_tests_properties(gui_export PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
