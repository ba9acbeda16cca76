// ui/training/panel_train_runs.cpp — the runs folder as a sortable table (a --seeds series as one
// row with its mean ± std above its seeds), a tick box per run and per series to overlay their
// curves on the Curves panel, and Refresh. Columns that do not fit the panel are left out, least
// useful first, so nothing is cut at 1280×720 with the text ×2.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

enum Column { kTick, kModel, kTest, kBestVal, kEpochs, kSecs, kSeed, kParams, kStarted, kCount };
// Shown in this order of priority while they fit.
const Column kPriority[] = {kTick, kModel, kTest,    kBestVal, kEpochs,
                            kSecs, kSeed,  kStarted, kParams};
const char* kHeader[kCount] = {"",        "model", "test acc", "best val", "epochs",
                               "s/epoch", "seed",  "params",   "started"};

// A lone run, or a series of seeds shown as one row above its members.
struct Entry {
  std::vector<const RunSummary*> members;
  std::string group;  // "" for a lone run
  SeedStats stats;
};

std::string fmt(const char* f, double v) {
  if (std::isnan(v)) return "-";
  char buf[48];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string cell_text(const RunSummary& r, Column c) {
  switch (c) {
    case kModel:
      return r.model;
    case kTest:
      return std::isnan(r.test_accuracy) ? r.stop_reason : fmt("%.3f", r.test_accuracy);
    case kBestVal:
      return std::isnan(r.best_val_accuracy)
                 ? "-"
                 : fmt("%.3f", r.best_val_accuracy) + " @" + std::to_string(r.best_val_epoch);
    case kEpochs:
      return r.epochs == r.epochs_planned
                 ? std::to_string(r.epochs)
                 : std::to_string(r.epochs) + "/" + std::to_string(r.epochs_planned);
    case kSecs:
      return fmt("%.2f", r.seconds_per_epoch);
    case kSeed:
      return std::to_string(r.seed);
    case kParams:
      return std::to_string(r.params);
    case kStarted:
      return r.started.size() >= 16 ? r.started.substr(5, 5) + " " + r.started.substr(11, 5)
                                    : r.started;
    default:
      return {};
  }
}

std::string group_text(const Entry& e, Column c) {
  if (c == kModel)
    return e.members.front()->model + " × " + std::to_string(e.members.size()) + " seeds";
  if (c == kTest) return fmt("%.3f", e.stats.mean) + " ± " + fmt("%.3f", e.stats.std);
  return {};  // the seeds' own rows say the rest
}

// The value a column sorts by (text columns by their text).
bool less(const RunSummary& a, const RunSummary& b, Column c) {
  auto num = [](double v) { return std::isnan(v) ? -1.0 : v; };
  switch (c) {
    case kTest:
      return num(a.test_accuracy) < num(b.test_accuracy);
    case kBestVal:
      return num(a.best_val_accuracy) < num(b.best_val_accuracy);
    case kEpochs:
      return a.epochs < b.epochs;
    case kSecs:
      return a.seconds_per_epoch < b.seconds_per_epoch;
    case kSeed:
      return a.seed < b.seed;
    case kParams:
      return a.params < b.params;
    case kModel:
      return a.model < b.model;
    default:
      return a.folder < b.folder;
  }
}

std::vector<Entry> entries_of(const RunsView& v) {
  std::vector<Entry> out;
  for (const RunSummary& r : v.list.runs) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const Entry& e) { return !r.group.empty() && e.group == r.group; });
    if (it == out.end())
      out.push_back({{&r}, r.group, {}}), it = out.end() - 1;
    else
      it->members.push_back(&r);
  }
  for (Entry& e : out) {
    std::vector<double> acc;
    for (const RunSummary* r : e.members)
      if (!std::isnan(r->test_accuracy)) acc.push_back(r->test_accuracy);
    e.stats = seed_stats(acc);
  }
  const Column c = Column(v.sort_column);
  auto by = [&](const RunSummary* a, const RunSummary* b) {
    return v.sort_descending ? less(*b, *a, c) : less(*a, *b, c);
  };
  for (Entry& e : out) std::stable_sort(e.members.begin(), e.members.end(), by);
  std::stable_sort(out.begin(), out.end(), [&](const Entry& a, const Entry& b) {
    if (c == kTest && !a.group.empty() && !b.group.empty())
      return v.sort_descending ? a.stats.mean > b.stats.mean : a.stats.mean < b.stats.mean;
    return by(a.members.front(), b.members.front());
  });
  return out;
}

// The columns that fit `width`, in table order.
std::vector<Column> visible_columns(const RunsView& v, float width) {
  const float pad = ImGui::GetStyle().CellPadding.x * 2 + 2;
  float need[kCount];
  for (int c = 0; c < kCount; ++c) need[c] = ImGui::CalcTextSize(kHeader[c]).x + pad;
  need[kTick] = ImGui::GetFrameHeight() * 1.8f + pad;  // the box and the run's colour
  need[kTest] = std::max(need[kTest], ImGui::CalcTextSize("0.000 ± 0.000").x + pad);
  for (const RunSummary& r : v.list.runs)
    for (int c = kModel; c < kCount; ++c)
      need[c] = std::max(need[c], ImGui::CalcTextSize(cell_text(r, Column(c)).c_str()).x + pad);
  need[kModel] = std::max(need[kModel], ImGui::CalcTextSize("compact × 10 seeds").x + pad);
  std::vector<Column> out;
  float used = 0;
  for (Column c : kPriority)
    if (used + need[c] <= width || c == kTick || c == kModel) out.push_back(c), used += need[c];
  std::sort(out.begin(), out.end());
  return out;
}

bool all_ticked(const RunsView& v, const Entry& e) {
  for (const RunSummary* r : e.members)
    if (!v.ticked.count(r->folder)) return false;
  return true;
}

void tick_cell(TrainingUi& ui, const Entry& e, const RunSummary* one) {
  RunsView& v = ui.runs;
  bool on = one ? v.ticked.count(one->folder) > 0 : all_ticked(v, e);
  ImGui::PushID(one ? one->folder.c_str() : e.group.c_str());
  if (ImGui::Checkbox("##tick", &on))
    for (const RunSummary* r : e.members)
      if (!one || r == one) on ? (void)v.ticked.insert(r->folder) : (void)v.ticked.erase(r->folder);
  ImGui::PopID();
  if (!one) return;
  for (const TickedRun& t : ticked_runs(ui))
    if (t.run == one) {  // the colour its curves have
      ImGui::SameLine(0, 4);
      ImVec2 p = ImGui::GetCursorScreenPos();
      float s = ImGui::GetTextLineHeight() * 0.7f, y = p.y + (ImGui::GetFrameHeight() - s) / 2;
      ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x, y), ImVec2(p.x + s, y + s), t.color);
      ImGui::Dummy(ImVec2(s, ImGui::GetFrameHeight()));
    }
}

void row(TrainingUi& ui, const Entry& e, const RunSummary* one, const std::vector<Column>& cols) {
  ImGui::TableNextRow();
  for (size_t i = 0; i < cols.size(); ++i) {
    ImGui::TableSetColumnIndex(int(i));
    if (cols[i] == kTick) {
      tick_cell(ui, e, one);
      continue;
    }
    std::string t = one ? cell_text(*one, cols[i]) : group_text(e, cols[i]);
    if (one && !e.group.empty() && cols[i] == kModel) t = "  seed " + std::to_string(one->seed);
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(t.c_str());
    if (one && cols[i] == kModel && ImGui::IsItemHovered())
      ImGui::SetTooltip("%s", one->path.c_str());
  }
}

void table(TrainingUi& ui) {
  RunsView& v = ui.runs;
  const std::vector<Column> cols = visible_columns(v, ImGui::GetContentRegionAvail().x);
  ImGuiTableFlags flags = ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg |
                          ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY |
                          ImGuiTableFlags_SizingFixedFit;
  std::string id = "runs_table" + std::to_string(cols.size());
  if (!ImGui::BeginTable(id.c_str(), int(cols.size()), flags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  for (Column c : cols) {
    ImGuiTableColumnFlags f = c == kTick ? ImGuiTableColumnFlags_NoSort : 0;
    if (c == kStarted) f |= ImGuiTableColumnFlags_DefaultSort;
    ImGui::TableSetupColumn(kHeader[c], f, 0, ImGuiID(c));
  }
  ImGui::TableHeadersRow();
  if (ImGuiTableSortSpecs* s = ImGui::TableGetSortSpecs(); s && s->SpecsDirty && s->SpecsCount) {
    v.sort_column = int(s->Specs[0].ColumnUserID);
    v.sort_descending = s->Specs[0].SortDirection == ImGuiSortDirection_Descending;
    s->SpecsDirty = false;
  }
  for (const Entry& e : entries_of(v)) {
    if (e.group.empty()) {
      row(ui, e, e.members.front(), cols);
      continue;
    }
    row(ui, e, nullptr, cols);
    for (const RunSummary* r : e.members) row(ui, e, r, cols);
  }
  ImGui::EndTable();
}

}  // namespace

std::vector<TickedRun> ticked_runs(const TrainingUi& ui) {
  // Okabe–Ito colours the live run does not use first (it has blue, orange and sky blue).
  static constexpr Rgb kPalette[] = {okabe_ito::bluish_green, okabe_ito::reddish_purple,
                                     okabe_ito::black,        okabe_ito::vermillion,
                                     okabe_ito::yellow,       okabe_ito::sky_blue};
  std::vector<TickedRun> out;
  for (const RunSummary& r : ui.runs.list.runs)
    if (ui.runs.ticked.count(r.folder)) {
      ImU32 c = to_u32(kPalette[out.size() % (sizeof kPalette / sizeof kPalette[0])]);
      out.push_back({&r, c, r.model + " s" + std::to_string(r.seed)});
    }
  return out;
}

void draw_train_runs_panel(TrainingUi& ui) {
  panel_header(ui, "Runs: tick to overlay on the curves", "runs");
  RunsView& v = ui.runs;
  bool refresh = ImGui::Button("Refresh");
  refresh_runs(ui, refresh);
  ImGui::SameLine();
  ImGui::AlignTextToFramePadding();
  if (v.dir.empty()) {
    ImGui::TextWrapped("No runs folder: the window records runs when it remembers its settings");
    return;
  }
  ImGui::TextDisabled("%s", fit_text(v.dir, ImGui::GetContentRegionAvail().x).c_str());
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", v.dir.c_str());
  if (!v.list.warnings.empty())
    ImGui::TextWrapped("%zu damaged folder(s) skipped (see the log)", v.list.warnings.size());
  if (v.list.runs.empty()) {
    ImGui::TextWrapped("No runs yet: each run is recorded here when it ends (Done or Stop).");
    return;
  }
  table(ui);
}

}  // namespace cnnlab
