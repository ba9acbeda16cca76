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

# The backward lessons print their upstream gradient, routing and tape (lessons/backward/).
add_test(NAME cli_lesson_backward_lists COMMAND cnnlab lessons --dir ${CNNLAB_ROOT}/lessons)
set_tests_properties(cli_lesson_backward_lists PROPERTIES PASS_REGULAR_EXPRESSION
  "edge-detector[^\n]*\nrelu-backward[^\n]*\nmaxpool-backward[^\n]*\nconv-backward-weights[^\n]*\nconv-backward-input[^\n]*\nsgd-step[^\n]*\nsoftmax-cross-entropy")
# Step 22 of maxpool-backward is X[1,1] (16 conv steps, then row 1 col 1): the window's winner.
add_test(NAME cli_lesson_maxpool_backward COMMAND cnnlab lesson maxpool-backward --step 22 --dir ${CNNLAB_ROOT}/lessons)
set_tests_properties(cli_lesson_maxpool_backward PROPERTIES PASS_REGULAR_EXPRESSION
  "Upstream gradient dY = Y − T.*\\[ 1\\] -1 *\n.*Loss L = ½Σ\\(Y − T\\)² = 2.*max\\(1, 1, 1, 3\\) = 3: X\\[1,1\\] is the max, it gets dY\\[0,0\\] = 1\ndX\\[1,1\\] = 1")
add_test(NAME cli_lesson_sgd_step COMMAND cnnlab lesson sgd-step --step 9 --dir ${CNNLAB_ROOT}/lessons)
set_tests_properties(cli_lesson_sgd_step PROPERTIES PASS_REGULAR_EXPRESSION
  "New kernel W':.*0.75.*Forward again: Y' = X ⊛ W', loss 5.5 → 3.4437")
add_test(NAME cli_lesson_softmax COMMAND cnnlab lesson softmax-cross-entropy --dir ${CNNLAB_ROOT}/lessons)
set_tests_properties(cli_lesson_softmax PROPERTIES PASS_REGULAR_EXPRESSION
  "rose +1 +2.7183 +0.2447  1.*L = −ln p\\(rose\\) = −ln 0.2447 = 1.4076")
