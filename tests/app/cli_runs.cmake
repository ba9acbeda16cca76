# tests/app/cli_runs.cmake — `cnnlab runs` on a fabricated runs folder (golden table), and `cnnlab train --seeds` recording a series.
add_test(NAME cli_runs COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/app/cli_runs_test.sh
         $<TARGET_FILE:cnnlab> ${CMAKE_CURRENT_SOURCE_DIR}/app/cli_runs_golden.txt)
set_tests_properties(cli_runs PROPERTIES TIMEOUT 300)
