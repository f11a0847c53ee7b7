#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/disk.h"
#include "tests/sim/disk_rig.h"

namespace samsa::sim {
namespace {

using namespace testing;

// --- Random op sequences against a reference model ---------------------------------------
//
// The model keeps, per file, its durable content and its unsynced ops, and two name
// maps. Power-loss outcomes are random, so the model lives beside the disk in the Sut:
// a power loss checks the disk's outcome against every outcome the contract allows,
// then adopts it. (RapidCheck's own model is therefore empty.)

struct ModelOp {
  bool is_truncate;
  std::uint64_t offset;  // or the new size
  Bytes data;
};

void apply(Bytes& content, const ModelOp& op) {
  if (op.is_truncate) {
    content.resize(op.offset);
  } else if (!op.data.empty()) {
    if (content.size() < op.offset + op.data.size()) content.resize(op.offset + op.data.size());
    std::copy(op.data.begin(), op.data.end(),
              content.begin() + static_cast<std::ptrdiff_t>(op.offset));
  }
}

struct ModelFile {
  Bytes durable;
  std::vector<ModelOp> unsynced;
  Bytes current() const {
    Bytes content = durable;
    for (const ModelOp& op : unsynced) apply(content, op);
    return content;
  }
  // Durable content plus the first k whole ops (k < n), plus a strict prefix of op k if
  // it is a write.
  std::vector<Bytes> power_loss_outcomes() const {
    std::vector<Bytes> outcomes{durable};
    Bytes base = durable;
    for (const ModelOp& op : unsynced) {
      outcomes.push_back(base);
      for (std::size_t p = 1; !op.is_truncate && p < op.data.size(); ++p) {
        Bytes torn = base;
        apply(torn, {false, op.offset,
                     Bytes(op.data.begin(), op.data.begin() + static_cast<std::ptrdiff_t>(p))});
        outcomes.push_back(torn);
      }
      apply(base, op);
    }
    return outcomes;
  }
};

struct FsModel {
  std::map<int, ModelFile> files;
  int next_file = 0;
  std::map<std::string, int> current;
  std::map<std::string, int> durable;

  ModelFile* find(const std::string& name) {
    const auto it = current.find(name);
    return it == current.end() ? nullptr : &files[it->second];
  }
  static bool in_dir(const std::string& name, const std::string& dir) {
    return name.rfind('/') == dir.size() && name.starts_with(dir);
  }
  void fsync_dir(const std::string& dir) {
    std::erase_if(durable, [&](const auto& e) { return in_dir(e.first, dir); });
    for (const auto& entry : current) {
      if (!in_dir(entry.first, dir)) continue;
      // The file's other durable name is the source of a rename into dir.
      std::erase_if(durable, [&](const auto& e) { return e.second == entry.second; });
      durable[entry.first] = entry.second;
    }
  }
};

const std::vector<std::string> kNames = {"a/x", "a/y", "b/z"};

struct Sut {
  explicit Sut(std::uint64_t seed) : rig(seed) {}
  // Both views of every name match the model.
  void check() const {
    for (const std::string& name : kNames) {
      const auto cur = model.current.find(name);
      const auto dur = model.durable.find(name);
      const std::optional<Bytes> want_current =
          cur == model.current.end() ? std::nullopt
                                     : std::optional(model.files.at(cur->second).current());
      const std::optional<Bytes> want_durable =
          dur == model.durable.end() ? std::nullopt
                                     : std::optional(model.files.at(dur->second).durable);
      RC_ASSERT(rig.disk.peek(name) == want_current);
      RC_ASSERT(rig.disk.peek_durable(name) == want_durable);
    }
  }
  Rig rig;
  FsModel model;
};

struct NoModel {};
using Command = rc::state::Command<NoModel, Sut>;

std::string any_name() {
  return *rc::gen::elementOf(kNames);
}
Bytes any_data() {
  return *rc::gen::container<Bytes>(*rc::gen::inRange<std::size_t>(0, 9),
                                    rc::gen::arbitrary<std::uint8_t>());
}

struct Create : Command {
  std::string name = any_name();
  void run(const NoModel&, Sut& s) const override {
    const auto r = s.rig.create(name);
    RC_ASSERT(error_of(r) ==
              (s.model.current.contains(name) ? std::optional(IoError::kExists) : std::nullopt));
    if (r.ok()) {
      s.model.files[s.model.next_file] = ModelFile{};
      s.model.current[name] = s.model.next_file++;
    }
    s.check();
  }
  void show(std::ostream& os) const override { os << "create " << name; }
};

struct Write : Command {
  std::string name = any_name();
  std::uint64_t offset = *rc::gen::inRange<std::uint64_t>(0, 24);
  Bytes data = any_data();
  bool append = *rc::gen::arbitrary<bool>();
  void run(const NoModel&, Sut& s) const override {
    ModelFile* file = s.model.find(name);
    const std::uint64_t at = append && file ? file->current().size() : offset;
    if (append) {
      const auto r = s.rig.call([&] { return s.rig.disk.append(name, data); });
      RC_ASSERT(r.ok() == (file != nullptr));
      if (r.ok()) RC_ASSERT(r.value() == at);
    } else {
      RC_ASSERT(s.rig.call([&] { return s.rig.disk.write(name, offset, data); }).ok() ==
                (file != nullptr));
    }
    if (file && !data.empty()) file->unsynced.push_back({false, at, data});
    s.check();
  }
  void show(std::ostream& os) const override {
    os << (append ? "append " : "write ") << name << " @" << offset << " +" << data.size();
  }
};

struct Truncate : Command {
  std::string name = any_name();
  std::uint64_t size = *rc::gen::inRange<std::uint64_t>(0, 24);
  void run(const NoModel&, Sut& s) const override {
    ModelFile* file = s.model.find(name);
    RC_ASSERT(s.rig.truncate(name, size).ok() == (file != nullptr));
    if (file) file->unsynced.push_back({true, size, {}});
    s.check();
  }
  void show(std::ostream& os) const override { os << "truncate " << name << " " << size; }
};

struct Read : Command {
  std::string name = any_name();
  std::uint64_t offset = *rc::gen::inRange<std::uint64_t>(0, 30);
  std::uint64_t length = *rc::gen::inRange<std::uint64_t>(0, 30);
  void run(const NoModel&, Sut& s) const override {
    ModelFile* file = s.model.find(name);
    const auto r = s.rig.read(name, offset, length);
    RC_ASSERT(r.ok() == (file != nullptr));
    if (!file) return;
    const Bytes content = file->current();
    const std::size_t begin = std::min<std::size_t>(offset, content.size());
    const std::size_t end = std::min<std::size_t>(begin + length, content.size());
    RC_ASSERT(r.value() == Bytes(content.begin() + static_cast<std::ptrdiff_t>(begin),
                                 content.begin() + static_cast<std::ptrdiff_t>(end)));
  }
  void show(std::ostream& os) const override {
    os << "read " << name << " @" << offset << " +" << length;
  }
};

struct Fsync : Command {
  std::string name = any_name();
  void run(const NoModel&, Sut& s) const override {
    ModelFile* file = s.model.find(name);
    RC_ASSERT(s.rig.fsync(name).ok() == (file != nullptr));
    if (file) *file = ModelFile{file->current(), {}};
    s.check();
  }
  void show(std::ostream& os) const override { os << "fsync " << name; }
};

struct Rename : Command {
  std::string from = any_name();
  std::string to = any_name();
  void run(const NoModel&, Sut& s) const override {
    const bool present = s.model.current.contains(from);
    RC_ASSERT(s.rig.rename(from, to).ok() == present);
    if (present && from != to) {
      s.model.current[to] = s.model.current[from];
      s.model.current.erase(from);
    }
    s.check();
  }
  void show(std::ostream& os) const override { os << "rename " << from << " " << to; }
};

struct Remove : Command {
  std::string name = any_name();
  void run(const NoModel&, Sut& s) const override {
    RC_ASSERT(s.rig.remove(name).ok() == (s.model.current.erase(name) == 1));
    s.check();
  }
  void show(std::ostream& os) const override { os << "remove " << name; }
};

struct FsyncDir : Command {
  std::string dir = *rc::gen::element<std::string>("a", "b");
  void run(const NoModel&, Sut& s) const override {
    RC_ASSERT(s.rig.fsync_dir(dir).ok());
    s.model.fsync_dir(dir);
    s.check();
  }
  void show(std::ostream& os) const override { os << "fsync_dir " << dir; }
};

// kill -9, possibly in the middle of a write: the page cache is untouched.
struct Crash : Command {
  std::string name = any_name();
  bool mid_write = *rc::gen::arbitrary<bool>();
  void run(const NoModel&, Sut& s) const override {
    if (mid_write) {
      s.rig.kernel.spawn(s.rig.node, "writer",
                         [&] { (void)s.rig.disk.append(name, bytes("never")); });
      s.rig.kernel.run_for(5us);  // a write takes at least 10us
    }
    s.rig.crash();
    s.check();
  }
  void show(std::ostream& os) const override {
    os << "crash" << (mid_write ? " mid-write " + name : "");
  }
};

struct PowerLoss : Command {
  void run(const NoModel&, Sut& s) const override {
    s.rig.power_cycle();
    FsModel& m = s.model;
    for (const auto& [name, id] : m.durable) {
      const std::optional<Bytes> actual = s.rig.disk.peek(name);
      RC_ASSERT(actual.has_value());
      const std::vector<Bytes> allowed = m.files[id].power_loss_outcomes();
      RC_ASSERT(std::find(allowed.begin(), allowed.end(), *actual) != allowed.end());
      m.files[id] = ModelFile{*actual, {}};
    }
    m.current = m.durable;
    s.check();
  }
  void show(std::ostream& os) const override { os << "power_loss"; }
};

RC_GTEST_PROP(DiskModel, RandomOpsCrashesAndPowerLossesMatchTheModel, ()) {
  Sut sut(*rc::gen::arbitrary<std::uint64_t>());
  // Sequences up to three times RapidCheck's default size, weighted towards writes on files
  // that exist, so most power losses find unsynced ops to tear.
  const auto commands = *rc::gen::scale(
      3.0, rc::state::gen::commands(
               NoModel{},
               rc::state::gen::execOneOfWithArgs<Create, Create, Create, Write, Write, Write, Write,
                                                 Write, Truncate, Read, Fsync, Fsync, Rename,
                                                 Remove, FsyncDir, FsyncDir, Crash, PowerLoss>()));
  rc::state::runAll(commands, NoModel{}, sut);
  // Shows how many cases reached the interesting part: a power loss that tore a file.
  const DiskStats& stats = sut.rig.disk.stats();
  RC_TAG(stats.power_losses == 0 ? "no power loss" : stats.torn_writes == 0 ? "untorn" : "torn");
}

}  // namespace
}  // namespace samsa::sim
