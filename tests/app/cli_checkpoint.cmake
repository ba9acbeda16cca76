# tests/app/cli_checkpoint.cmake — end-to-end checks that `cnnlab summary|evaluate|predict` refuse bad checkpoints and settings with a message.
add_test(NAME cli_checkpoint COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/app/cli_checkpoint_test.sh $<TARGET_FILE:cnnlab>)
set_tests_properties(cli_checkpoint PROPERTIES TIMEOUT 300)
# AddressSanitizer reserves terabytes of shadow address space: `ulimit -v` cannot be used there.
if(CNNLAB_SANITIZE MATCHES "address")
  set_tests_properties(cli_checkpoint PROPERTIES ENVIRONMENT "CNNLAB_TEST_NO_ULIMIT=1")
endif()
