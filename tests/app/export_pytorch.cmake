# tests/app/export_pytorch.cmake — `cnnlab export --pytorch` / `cnnlab import`: errors (no Python), and the round trip through Debian's PyTorch.
set(CNNLAB_TORCH_PYTHON /usr/bin/python3 CACHE FILEPATH "A Python with torch and numpy (Debian's python3-torch)")
add_test(NAME export_import_errors
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/app/export_pytorch_test.sh errors $<TARGET_FILE:cnnlab>)
# Exit 77 = no torch in CNNLAB_TORCH_PYTHON: reported as skipped, never passed.
add_test(NAME export_pytorch
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/app/export_pytorch_test.sh torch $<TARGET_FILE:cnnlab>
                 ${CNNLAB_TORCH_PYTHON})
set_tests_properties(export_import_errors export_pytorch PROPERTIES TIMEOUT 300)
set_tests_properties(export_pytorch PROPERTIES SKIP_RETURN_CODE 77)
