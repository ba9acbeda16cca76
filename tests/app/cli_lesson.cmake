# tests/app/cli_lesson.cmake — end-to-end checks of `cnnlab lessons` and `cnnlab lesson ID` (output text and exit codes).
set(_lesson_bad_dir ${CMAKE_CURRENT_SOURCE_DIR}/lesson/data/bad)

add_test(NAME cli_lessons_list COMMAND cnnlab lessons --dir ${CNNLAB_ROOT}/lessons)
set_tests_properties(cli_lessons_list PROPERTIES PASS_REGULAR_EXPRESSION "course-example-1 +Convolution, then max pooling")

# Step 6 of course example 1 is output (1,1): the full-/ window, sum 3.
add_test(NAME cli_lesson_step COMMAND cnnlab lesson course-example-1 --step 6 --dir ${CNNLAB_ROOT}/lessons)
set_tests_properties(cli_lesson_step PROPERTIES PASS_REGULAR_EXPRESSION
  "0×0 \\+ 0×0 \\+ 1×1 \\+ 1×0 \\+ 1×1 \\+ 0×0 \\+ 1×1 \\+ 0×0 \\+ 0×0 = 3.*1  1  2  0 *\n +1 <3>")

add_test(NAME cli_lesson_all_steps COMMAND cnnlab lesson same-padding --dir ${CNNLAB_ROOT}/lessons)
set_tests_properties(cli_lesson_all_steps PROPERTIES PASS_REGULAR_EXPRESSION "Step 36/36.*⌊\\(6 − 3 \\+ 2\\) / 1⌋ \\+ 1 = 6")

add_test(NAME cli_lesson_unknown_id_message COMMAND cnnlab lesson no-such-lesson --dir ${CNNLAB_ROOT}/lessons)
set_tests_properties(cli_lesson_unknown_id_message PROPERTIES PASS_REGULAR_EXPRESSION "error: .*lessons: no lesson with id \"no-such-lesson\"")
add_test(NAME cli_lesson_unknown_id_fails COMMAND cnnlab lesson no-such-lesson --dir ${CNNLAB_ROOT}/lessons)
set_tests_properties(cli_lesson_unknown_id_fails PROPERTIES WILL_FAIL TRUE)

# A broken file is reported with its path and line; the good one beside it still lists; exit 1.
add_test(NAME cli_lessons_bad_file_message COMMAND cnnlab lessons --dir ${_lesson_bad_dir})
set_tests_properties(cli_lessons_bad_file_message PROPERTIES PASS_REGULAR_EXPRESSION
  "stride_zero.toml:9: stride must be 1 or more, not 0 in op 1")
add_test(NAME cli_lessons_bad_file_others_load COMMAND cnnlab lessons --dir ${_lesson_bad_dir})
set_tests_properties(cli_lessons_bad_file_others_load PROPERTIES PASS_REGULAR_EXPRESSION "still-loads +Still loads")
add_test(NAME cli_lessons_bad_file_fails COMMAND cnnlab lessons --dir ${_lesson_bad_dir})
set_tests_properties(cli_lessons_bad_file_fails PROPERTIES WILL_FAIL TRUE)

add_test(NAME cli_lesson_bad_step_fails COMMAND cnnlab lesson course-example-1 --step 99 --dir ${CNNLAB_ROOT}/lessons)
set_tests_properties(cli_lesson_bad_step_fails PROPERTIES WILL_FAIL TRUE)
