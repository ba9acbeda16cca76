// app/cli_runs.cpp — `cnnlab runs`: the runs folder as a table (or CSV), a --seeds series as one
// line with the mean ± std of its test accuracy above its members.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <string>

#include "app/commands.h"
#include "core/error.h"
#include "train/runs.h"

namespace cnnlab {

namespace {

struct RunsArgs {
  std::string dir, model;
  bool csv = false;
};

std::string fixed(double v, const char* fmt = "%.4f") {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// "2026-12-01T18:40:12Z" → "2026-12-01 18:40" (UTC, as the folder names).
std::string started_short(const std::string& iso) {
  std::string s = iso.substr(0, 16);
  if (s.size() > 10 && s[10] == 'T') s[10] = ' ';
  return s;
}

std::string epochs_text(const RunSummary& r) {
  if (r.epochs == r.epochs_planned) return std::to_string(r.epochs);
  return std::to_string(r.epochs) + "/" + std::to_string(r.epochs_planned);
}

void print_row(const RunSummary& r, int model_w, const char* indent) {
  std::string best = std::isnan(r.best_val_accuracy) ? "-"
                                                     : fixed(r.best_val_accuracy) + " (ep " +
                                                           std::to_string(r.best_val_epoch) + ")";
  std::string test = std::isnan(r.test_accuracy) ? r.stop_reason : fixed(r.test_accuracy);
  std::printf("%s%-*s %10zu %7s  %-14s %10s %8s %11llu  %s\n", indent, model_w, r.model.c_str(),
              r.params, epochs_text(r).c_str(), best.c_str(), test.c_str(),
              fixed(r.seconds_per_epoch, "%.2f").c_str(), (unsigned long long)r.seed,
              started_short(r.started).c_str());
}

void print_table(const std::vector<RunSummary>& runs, const std::string& dir) {
  int model_w = 5;
  for (const RunSummary& r : runs) model_w = std::max(model_w, int(r.model.size()) + 2);
  std::printf("%zu run(s) in %s\n", runs.size(), dir.c_str());
  std::printf("  %-*s %10s %7s  %-14s %10s %8s %11s  %s\n", model_w, "model", "params", "epochs",
              "best val acc", "test acc", "s/epoch", "seed", "started (UTC)");
  std::set<std::string> shown;
  for (const RunSummary& r : runs) {
    if (r.group.empty()) {
      print_row(r, model_w, "  ");
      continue;
    }
    if (!shown.insert(r.group).second) continue;  // printed with its series
    std::vector<double> acc;
    std::vector<const RunSummary*> members;
    for (const RunSummary& m : runs)
      if (m.group == r.group) {
        members.push_back(&m);
        if (!std::isnan(m.test_accuracy)) acc.push_back(m.test_accuracy);
      }
    SeedStats st = seed_stats(acc);
    std::printf("  %s over %zu seed%s: test acc %s ± %s (mean ± sample std, n=%d)  [%s]\n",
                r.model.c_str(), members.size(), members.size() == 1 ? "" : "s",
                fixed(st.mean).c_str(), fixed(st.std).c_str(), st.n, r.group.c_str());
    for (const RunSummary* m : members) print_row(*m, model_w - 2, "    ");
  }
}

void print_csv(const std::vector<RunSummary>& runs) {
  std::printf(
      "folder,model,params,epochs,epochs_planned,best_val_accuracy,best_val_epoch,test_accuracy,"
      "seconds_per_epoch,seed,group,started,stop_reason\n");
  auto num = [](double v) { return std::isnan(v) ? std::string() : fixed(v, "%.6g"); };
  for (const RunSummary& r : runs)
    std::printf("%s,%s,%zu,%d,%d,%s,%d,%s,%s,%llu,%s,%s,%s\n", r.folder.c_str(), r.model.c_str(),
                r.params, r.epochs, r.epochs_planned, num(r.best_val_accuracy).c_str(),
                r.best_val_epoch, num(r.test_accuracy).c_str(), num(r.seconds_per_epoch).c_str(),
                (unsigned long long)r.seed, r.group.c_str(), r.started.c_str(),
                r.stop_reason.c_str());
}

int run_runs(RunsArgs& a) {
  if (a.dir.empty()) a.dir = default_runs_dir();
  if (a.dir.empty())
    throw UserError("--runs", "no runs folder: neither CNNLAB_RUNS, XDG_DATA_HOME nor HOME is set",
                    "pass --runs DIR");
  RunList list = list_runs(a.dir);
  for (const std::string& w : list.warnings)
    std::fprintf(stderr, "cnnlab: warning: %s\n", w.c_str());
  std::vector<RunSummary> runs;
  for (RunSummary& r : list.runs)
    if (a.model.empty() || r.model == a.model) runs.push_back(std::move(r));
  if (a.csv) {
    print_csv(runs);
  } else if (runs.empty()) {
    if (a.model.empty())
      std::printf("no runs yet in %s; `cnnlab train` records one there\n", a.dir.c_str());
    else
      std::printf("no runs of model '%s' in %s\n", a.model.c_str(), a.dir.c_str());
  } else {
    print_table(runs, a.dir);
  }
  return 0;
}

}  // namespace

void register_runs_commands(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "runs",
      "List the recorded runs: model, parameters, epochs, best validation and test "
      "accuracy, time per epoch; a --seeds series with its mean ± std");
  cmd->add_option("--runs", args->dir,
                  "Runs folder (default: $CNNLAB_RUNS, else $XDG_DATA_HOME/cnnlab/runs, else "
                  "~/.local/share/cnnlab/runs)");
  cmd->add_option("--model", args->model, "Only the runs of this model (e.g. tiny, compact)");
  cmd->add_flag("--csv", args->csv, "Machine-readable CSV, one line per run");
  cmd->callback([args, &exit_code] { exit_code = guarded([&] { return run_runs(*args); }); });
}

}  // namespace cnnlab
