// ui/training/replay.h — the time-lapse replay: which recorded epoch the panels show, the one
// accessor they read through (the live snapshot, or a copy of it with that epoch's kernels, maps,
// probe and validation put in), the slider strip above the panels and its keys.
#pragma once
#include "ui/training/training_state.h"

namespace cnnlab {

// What the panels draw: *ui.snap while live, else the replayed epoch (built once per change).
const Snapshot& shown_snapshot(TrainingUi& ui);
bool replaying(const TrainingUi& ui);
// Frames the slider can show (0 or 1: no slider).
int replay_frames(const TrainingUi& ui);

// Keys: [ and ] step (from live, [ goes to the last recorded epoch), Home the first, End live.
void replay_step(TrainingUi& ui, int delta);
void replay_first(TrainingUi& ui);
void replay_live(TrainingUi& ui);
void replay_set(TrainingUi& ui, int frame);  // clamped; -1 = live
// The frame of epoch `epoch` (screenshots' --tab replayN); a UserError when none was recorded.
void replay_set_epoch(TrainingUi& ui, int epoch);

// The live snapshot with frame `f` of its time-lapse in place of the kernels, the probe's maps,
// index and probabilities, and the validation evaluation (none at epoch 0); the test evaluation is
// not recorded, so it is cleared. Indices outside the loaded dataset are dropped. `version`
// becomes its weights and activations version (the GL side re-uploads when it changes).
Snapshot make_replay_snapshot(const Snapshot& live, const TimelapseFrame& f, uint64_t version);

// File → Export time-lapse… and the strip's button: <export dir>/timelapse/epoch_NNN.png and
// timelapse.gif (timelapse_export.h); the outcome goes to ui.message (and the log on failure).
void export_replay(TrainingUi& ui);

// The strip: "Time-lapse [◀] [slider] [▶] [Live]  epoch 7 of 25 — replay" and Export…; nothing
// when fewer than two frames are recorded. Returns its height (0 when not drawn).
float draw_replay_strip(TrainingUi& ui);

}  // namespace cnnlab
