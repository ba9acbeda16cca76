// ui/training/editor_fields.h — the model editor's labelled fields (a Keras argument's name, its
// widget and a one-line tooltip saying what it does in Keras's terms) and its Fit section, shared
// by panel_model_editor.cpp.
#pragma once
#include <imgui.h>

#include <initializer_list>
#include <string>

#include "ui/training/training_state.h"

namespace cnnlab::editor_ui {

inline const ImVec4 kEditorProblem(0.85f, 0.18f, 0.1f, 1.0f);  // the loader's words, in red

// The label on its own line, the next widget after it (at most 12 em wide); true while the label
// is hovered.
bool field_label(const char* label);
// The tooltip `text` over the last widget, or its label while `label_hovered`; wrapped only where
// the window is narrower than the line.
void tip(bool label_hovered, const char* text);
// A labelled widget with its tooltip; true when the value changed.
bool int_field(const char* label, int& v, const char* tooltip);
bool float_field(const char* label, float& v, float step, const char* tooltip);
bool double_field(const char* label, double& v, double step, const char* tooltip);
bool pair_field(const char* label, float& lo, float& hi, const char* tooltip);  // [lo, hi]
bool choice_field(const char* label, std::string& v, std::initializer_list<const char*> options,
                  const char* tooltip);
bool check_field(const char* label, bool& v, const char* tooltip);

// A part of the editor in the layout sidecar for the pixel tests ("editor.args", "editor.fit").
void record_rect(TrainingUi& ui, const char* name, ImVec2 p0, ImVec2 p1);
// Scrolls the current line near the window's top, once (clears e.scroll_to).
void scroll_here(ModelEditor& e);
void heading(const std::string& title);  // a section title (ImGui 1.86 has no SeparatorText)

// Under the layer list: the model file's [fit] table, every key the loader accepts, its problems
// under the callback at fault; saved back with the layers.
void fit_section(TrainingUi& ui);

}  // namespace cnnlab::editor_ui
