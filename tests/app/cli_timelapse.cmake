# tests/app/cli_timelapse.cmake — `cnnlab train --save` records a time-lapse; `cnnlab timelapse` writes a PNG per epoch and a GIF, and refuses a malformed record by name.
if(CNNLAB_BUILD_GUI)
  add_test(NAME cli_timelapse COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/app/cli_timelapse_test.sh $<TARGET_FILE:cnnlab>)
  set_tests_properties(cli_timelapse PROPERTIES TIMEOUT 300)
endif()
