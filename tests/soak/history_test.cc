// The chaos soak's read rule (history.h), with plain values: what a read may show after
// acknowledged, failed and concurrent operations.
#include "history.h"

#include <gtest/gtest.h>

namespace rk::soak {
namespace {

using Kind = History::Kind;
using Outcome = History::Outcome;

Observed shows(int64_t ts) { return {true, History::value_for(ts), ts}; }
const Observed kAbsent{};

// One operation on `key`, sent at `sent` and finished at `done` with `outcome`.
void op(History& h, size_t key, Kind kind, int64_t ts, int64_t sent, int64_t done,
        Outcome outcome) {
  const size_t i = h.begin(key, kind, ts, sent);
  if (outcome != Outcome::kPending) h.finish(key, i, outcome, done);
}

TEST(SoakHistory, AnAcknowledgedWriteShowsInEveryLaterRead) {
  History h;
  const size_t k = h.new_key();
  op(h, k, Kind::kSet, 100, 10, 20, Outcome::kAcked);
  EXPECT_EQ(h.check_read(k, shows(100), 30, 40), "");
  EXPECT_NE(h.check_read(k, kAbsent, 30, 40).find("was lost"), std::string::npos);
  // A read that began before the acknowledgement may still miss it.
  EXPECT_EQ(h.check_read(k, kAbsent, 15, 40), "");
}

TEST(SoakHistory, ADeletedRowThatComesBackIsAViolation) {
  History h;
  const size_t k = h.new_key();
  op(h, k, Kind::kSet, 100, 10, 20, Outcome::kAcked);
  op(h, k, Kind::kDelete, 200, 30, 40, Outcome::kAcked);
  EXPECT_EQ(h.check_read(k, kAbsent, 50, 60), "");
  EXPECT_NE(h.check_read(k, shows(100), 50, 60).find("a deleted row came back"),
            std::string::npos);
}

TEST(SoakHistory, AFailedOrUnfinishedWriteMayOrMayNotShow) {
  History h;
  const size_t k = h.new_key();
  op(h, k, Kind::kSet, 100, 10, 20, Outcome::kAcked);
  op(h, k, Kind::kSet, 200, 30, 40, Outcome::kFailed);
  op(h, k, Kind::kSet, 300, 45, 0, Outcome::kPending);
  EXPECT_EQ(h.check_read(k, shows(100), 50, 60), "");
  EXPECT_EQ(h.check_read(k, shows(200), 50, 60), "");
  EXPECT_EQ(h.check_read(k, shows(300), 50, 60), "");
  // Not before it was sent, and never a value nobody wrote.
  EXPECT_NE(h.check_read(k, shows(300), 5, 8), "");
  EXPECT_NE(h.check_read(k, shows(250), 50, 60).find("never written"), std::string::npos);
}

TEST(SoakHistory, ARestoredBackupHoldsWhatWasAcknowledgedBeforeItStarted) {
  History h;
  const size_t k = h.new_key();
  op(h, k, Kind::kSet, 100, 10, 20, Outcome::kAcked);  // before the backup (requested at 25)
  op(h, k, Kind::kSet, 200, 30, 40, Outcome::kAcked);  // during it (ended at 50)
  op(h, k, Kind::kSet, 300, 60, 70, Outcome::kAcked);  // after it
  EXPECT_EQ(h.check_restored(k, shows(100), 25, 50), "");
  EXPECT_EQ(h.check_restored(k, shows(200), 25, 50), "");
  EXPECT_NE(h.check_restored(k, shows(300), 25, 50), "");
  EXPECT_NE(h.check_restored(k, kAbsent, 25, 50), "");
}

}  // namespace
}  // namespace rk::soak
