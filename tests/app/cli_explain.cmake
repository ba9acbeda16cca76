# tests/app/cli_explain.cmake — end-to-end checks of `cnnlab explain` on a checkpoint the script trains.
add_test(NAME cli_explain COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/app/cli_explain_test.sh $<TARGET_FILE:cnnlab>)
set_tests_properties(cli_explain PROPERTIES TIMEOUT 300)
