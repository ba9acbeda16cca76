# tests/app/cli_engine.cmake — end-to-end checks of the engine's CLI (summary, train, evaluate, predict, bad input, destinations, signals).
add_test(NAME cli_engine COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/app/cli_engine_test.sh
         $<TARGET_FILE:cnnlab> ${CMAKE_CURRENT_SOURCE_DIR}/app/golden)
set_tests_properties(cli_engine PROPERTIES TIMEOUT 300)
