// app/export_model_py.h — the model.py template of `cnnlab export --pytorch` (cli_export.cpp).
#pragma once

namespace cnnlab {

// model.py's text, starting with a newline, with @FIELDS@ for cli_export.cpp's model_py() to fill.
const char* export_model_py_template();

}  // namespace cnnlab
