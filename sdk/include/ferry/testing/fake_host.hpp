// ferry SDK: a fake in-process host for plugin unit tests.
//
// Link your plugin's sources into a test binary, then:
//
//   ferry::testing::FakeHost host;
//   auto src = host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "acme",
//                          {{"host", "127.0.0.1"}, {"rows", int64_t{10}}});
//   auto catalog = src->source().discover();
//   auto rows = ferry::testing::read_all(src->source().open_snapshot(split, 100));
//
// The fake host records log lines, metrics, progress and checkpoints in memory, applies the
// declared defaults and checks required fields and types the way ferryd does (without TOML
// locations), and can pause or cancel like a real task. Thread-safe.
#pragma once

#include <ferry/sdk.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ferry::testing {

struct SecretValue {
  std::string value;
};
using ConfigValue = std::variant<std::string, const char*, int64_t, int, double, bool,
                                 std::vector<std::string>, SecretValue>;
using ConfigMap = std::map<std::string, ConfigValue>;

// A plugin object made by the fake host; destroyed (and its config freed) with this object.
class TestInstance {
 public:
  ~TestInstance() {
    if (self_) static_cast<const ferry_source_vtable*>(desc_->vtable)->destroy(self_);
  }
  TestInstance(const TestInstance&) = delete;
  TestInstance& operator=(const TestInstance&) = delete;

  void* self() const { return self_; }
  const ferry_component_desc* desc() const { return desc_; }
  ferry_endpoint endpoint() const {
    ferry_endpoint e{};
    e.struct_size = sizeof(e);
    e.kind = desc_->kind;
    e.vtable = desc_->vtable;
    e.instance = self_;
    return e;
  }
  SourceClient source() const { return SourceClient(endpoint()); }
  DestinationClient destination() const { return DestinationClient(endpoint()); }
  const ferry_component_vtable* component() const {
    return static_cast<const ferry_component_vtable*>(desc_->vtable);
  }
  std::string last_error() const {
    const char* e = static_cast<const ferry_source_vtable*>(desc_->vtable)->last_error(self_);
    return e ? e : "";
  }  // Runs a transform component on one batch.
  OwnedBatch transform(const ferry_batch& in) const {
    if (desc_->kind != FERRY_KIND_TRANSFORM) fail(FERRY_INVALID_ARGUMENT, "not a transform");
    const auto* vt = static_cast<const ferry_transform_vtable*>(desc_->vtable);
    ferry_batch out{};
    check(vt->transform(self_, &in, &out), "transform", vt->last_error(self_));
    return out.release ? OwnedBatch(&out) : OwnedBatch{};
  }

 private:
  friend class FakeHost;
  struct Value {
    std::string name, text;
    std::vector<std::string> list;
    std::vector<const char*> ptrs;
    ferry_config_value c{};
  };
  TestInstance() = default;
  const ferry_component_desc* desc_ = nullptr;
  std::vector<std::unique_ptr<Value>> values_;
  std::vector<const ferry_config_value*> value_ptrs_;
  ferry_config config_{};
  void* self_ = nullptr;
};

// An unbounded channel for driving a component in a test. Like ferryd's channels it refuses an
// end marker and a push after close(), and cancel() makes push/pull return FERRY_CANCELLED.
class FakeChannel {
 public:
  explicit FakeChannel(std::string name = "test") : name_(std::move(name)) {
    c_.struct_size = sizeof(c_);
    c_.name = name_.c_str();
    c_.private_data = this;
    c_.push = [](ferry_channel* self, ferry_batch* b) -> ferry_status {
      auto* ch = static_cast<FakeChannel*>(self->private_data);
      std::lock_guard lock(ch->mu_);
      if (ch->cancelled_) return FERRY_CANCELLED;
      if (!b->release || ch->closed_) return FERRY_INVALID_ARGUMENT;
      ch->queue_.emplace_back(b);
      ch->cv_.notify_all();
      return FERRY_OK;
    };
    c_.pull = [](ferry_channel* self, ferry_batch* out) -> ferry_status {
      auto* ch = static_cast<FakeChannel*>(self->private_data);
      std::unique_lock lock(ch->mu_);
      ch->cv_.wait(lock, [&] { return ch->cancelled_ || ch->closed_ || !ch->queue_.empty(); });
      *out = ferry_batch{};
      if (ch->cancelled_) return FERRY_CANCELLED;
      if (ch->queue_.empty()) return FERRY_OK;
      ch->queue_.front().release_into(out);
      ch->queue_.pop_front();
      return FERRY_OK;
    };
    c_.close = [](ferry_channel* self) {
      auto* ch = static_cast<FakeChannel*>(self->private_data);
      std::lock_guard lock(ch->mu_);
      ch->closed_ = true;
      ch->cv_.notify_all();
    };
  }
  ferry_channel* c() { return &c_; }
  void push(BatchBuilder&& b) {
    std::lock_guard lock(mu_);
    queue_.push_back(OwnedBatch::from(std::move(b)));
    cv_.notify_all();
  }
  void close() { c_.close(&c_); }
  void cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }
  bool closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }
  std::vector<OwnedBatch> take_all() {
    std::lock_guard lock(mu_);
    std::vector<OwnedBatch> out;
    for (auto& b : queue_) out.push_back(std::move(b));
    queue_.clear();
    return out;
  }

 private:
  std::string name_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<OwnedBatch> queue_;
  bool closed_ = false;
  bool cancelled_ = false;
  ferry_channel c_{};
};

class FakeHost : public HostServices {
 public:
  // Creates component `name` of `kind` from a plugin's manifest. Throws ferry::Error when the
  // component is missing, the config is wrong, or create() fails (with the plugin's message).
  std::unique_ptr<TestInstance> create(const ferry_plugin_manifest* manifest, ferry_kind kind,
                                       const std::string& name, const ConfigMap& config = {},
                                       const std::string& instance_name = "test") {
    const ferry_component_desc* desc = nullptr;
    for (uint32_t i = 0; i < manifest->component_count; ++i) {
      const auto* d = manifest->components[i];
      if (d->kind == kind && name == d->name) desc = d;
    }
    if (!desc)
      fail(FERRY_INVALID_ARGUMENT, "the plugin has no component '" + name + "' of that kind");
    std::unique_ptr<TestInstance> inst(new TestInstance());
    inst->desc_ = desc;
    build_config(*desc, config, *inst);
    ferry_create_args args{};
    args.struct_size = sizeof(args);
    args.host = services();
    args.config = &inst->config_;
    args.task_id = "test-task";
    args.instance_name = instance_name.c_str();
    std::string error;
    ferry_error_sink sink{};
    sink.struct_size = sizeof(sink);
    sink.ctx = &error;
    sink.set = [](void* ctx, const char* m) { *static_cast<std::string*>(ctx) = m ? m : ""; };
    const auto* vt = static_cast<const ferry_source_vtable*>(desc->vtable);
    const ferry_status st = vt->create(&args, &inst->self_, &sink);
    if (st != FERRY_OK) {
      inst->self_ = nullptr;
      fail(st, "create '" + name + "' failed: " + error);
    }
    return inst;
  }

  void pause() {
    std::lock_guard lock(mu_);
    paused_ = true;
  }
  void resume() {
    std::lock_guard lock(mu_);
    paused_ = false;
    cv_.notify_all();
  }
  void cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }
  std::vector<std::pair<ferry_log_level, std::string>> logs() const {
    std::lock_guard lock(mu_);
    return logs_;
  }
  double metric(const std::string& name) const {
    std::lock_guard lock(mu_);
    const auto it = metrics_.find(name);
    return it == metrics_.end() ? 0 : it->second;
  }
  std::optional<Bytes> checkpoint(const std::string& key) const {
    std::lock_guard lock(mu_);
    const auto it = checkpoints_.find(key);
    return it == checkpoints_.end() ? std::nullopt : std::optional<Bytes>(it->second);
  }
  std::string progress() const {
    std::lock_guard lock(mu_);
    return progress_;
  }
  // The last JSON put for each object key, in first-put order. Unlike ferryd, the fake host does
  // not merge a put into the stored object: each put replaces it.
  std::vector<std::pair<std::string, std::string>> objects() const {
    std::lock_guard lock(mu_);
    return objects_;
  }

 protected:
  void on_log(ferry_log_level level, const std::string& m) override {
    std::lock_guard lock(mu_);
    logs_.emplace_back(level, m);
  }
  bool on_is_cancelled() override {
    std::lock_guard lock(mu_);
    return cancelled_;
  }
  ferry_status on_yield() override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return cancelled_ || !paused_; });
    return cancelled_ ? FERRY_CANCELLED : FERRY_OK;
  }
  void on_metric_add(const std::string& n, double d) override {
    std::lock_guard lock(mu_);
    metrics_[n] += d;
  }
  void on_metric_set(const std::string& n, double v) override {
    std::lock_guard lock(mu_);
    metrics_[n] = v;
  }
  void on_checkpoint_write(const std::string& k, std::span<const uint8_t> v) override {
    std::lock_guard lock(mu_);
    checkpoints_[k] = Bytes(v.begin(), v.end());
  }
  std::optional<Bytes> on_checkpoint_read(const std::string& k) override { return checkpoint(k); }
  void on_progress(const std::string& json) override {
    std::lock_guard lock(mu_);
    progress_ = json;
  }
  ferry_status on_object_put(const std::string& json) override {
    // Just enough JSON to find the key: "key" followed by a string without escapes.
    const auto k = json.find("\"key\"");
    const auto open = k == std::string::npos ? k : json.find('"', json.find(':', k));
    const auto close = open == std::string::npos ? open : json.find('"', open + 1);
    if (close == std::string::npos) return FERRY_INVALID_ARGUMENT;
    const std::string key = json.substr(open + 1, close - open - 1);
    std::lock_guard lock(mu_);
    for (auto& [have, value] : objects_) {
      if (have == key) {
        value = json;
        return FERRY_OK;
      }
    }
    objects_.emplace_back(key, json);
    return FERRY_OK;
  }
  ferry_status on_object_list(const std::string& prefix, std::string& out) override {
    std::lock_guard lock(mu_);
    out = "[";
    for (const auto& [key, value] : objects_) {
      if (key.compare(0, prefix.size(), prefix) != 0) continue;
      if (out.size() > 1) out += ",";
      out += value;
    }
    out += "]";
    return FERRY_OK;
  }

 private:
  static void build_config(const ferry_component_desc& desc, const ConfigMap& given,
                           TestInstance& inst) {
    for (const auto& [key, v] : given) {
      bool declared = false;
      for (uint32_t i = 0; i < desc.config_field_count; ++i)
        declared |= key == desc.config_fields[i]->name;
      if (!declared) fail(FERRY_INVALID_ARGUMENT, "unknown config field '" + key + "'");
    }
    for (uint32_t i = 0; i < desc.config_field_count; ++i) {
      const ferry_config_field& f = *desc.config_fields[i];
      auto value = std::make_unique<TestInstance::Value>();
      value->name = f.name;
      value->c.struct_size = sizeof(ferry_config_value);
      value->c.type = f.type;
      const auto it = given.find(f.name);
      if (it != given.end()) {
        assign(f, it->second, *value);
      } else if (f.default_value) {
        assign_text(f, f.default_value, *value);
      } else if (f.required) {
        fail(FERRY_INVALID_ARGUMENT, std::string("missing required config field '") + f.name + "'");
      } else {
        continue;
      }
      value->c.name = value->name.c_str();
      value->c.string_value = value->text.c_str();
      for (const auto& s : value->list) value->ptrs.push_back(s.c_str());
      value->c.list_count = static_cast<uint32_t>(value->ptrs.size());
      value->c.list_values = value->ptrs.data();
      inst.value_ptrs_.push_back(&value->c);
      inst.values_.push_back(std::move(value));
    }
    inst.config_.struct_size = sizeof(ferry_config);
    inst.config_.count = static_cast<uint32_t>(inst.value_ptrs_.size());
    inst.config_.values = inst.value_ptrs_.data();
  }

  static void wrong_type(const ferry_config_field& f) {
    fail(FERRY_INVALID_ARGUMENT, std::string("config field '") + f.name + "' has the wrong type");
  }

  static void assign(const ferry_config_field& f, const ConfigValue& v, TestInstance::Value& out) {
    if (const auto* s = std::get_if<std::string>(&v)) {
      if (f.type != FERRY_FIELD_STRING) wrong_type(f);
      out.text = *s;
    } else if (const auto* cs = std::get_if<const char*>(&v)) {
      if (f.type != FERRY_FIELD_STRING) wrong_type(f);
      out.text = *cs;
    } else if (const auto* sec = std::get_if<SecretValue>(&v)) {
      if (f.type != FERRY_FIELD_SECRET) wrong_type(f);
      out.text = sec->value;
    } else if (const auto* i64 = std::get_if<int64_t>(&v)) {
      if (f.type == FERRY_FIELD_FLOAT)
        out.c.float_value = static_cast<double>(*i64);
      else if (f.type == FERRY_FIELD_INT)
        out.c.int_value = *i64;
      else
        wrong_type(f);
    } else if (const auto* i = std::get_if<int>(&v)) {
      if (f.type == FERRY_FIELD_FLOAT)
        out.c.float_value = *i;
      else if (f.type == FERRY_FIELD_INT)
        out.c.int_value = *i;
      else
        wrong_type(f);
    } else if (const auto* d = std::get_if<double>(&v)) {
      if (f.type != FERRY_FIELD_FLOAT) wrong_type(f);
      out.c.float_value = *d;
    } else if (const auto* b = std::get_if<bool>(&v)) {
      if (f.type != FERRY_FIELD_BOOL) wrong_type(f);
      out.c.bool_value = *b ? 1 : 0;
    } else if (const auto* l = std::get_if<std::vector<std::string>>(&v)) {
      if (f.type != FERRY_FIELD_STRING_LIST) wrong_type(f);
      out.list = *l;
    }
  }

  // Declared defaults are text ("3306", "true", "a,b"): parsed by the field's type.
  static void assign_text(const ferry_config_field& f, const std::string& text,
                          TestInstance::Value& out) {
    auto bad_default = [&] {
      fail(FERRY_INVALID_ARGUMENT,
           std::string("config field '") + f.name + "' declares an invalid default '" + text + "'");
    };
    size_t used = 0;
    switch (f.type) {
      case FERRY_FIELD_INT:
        try {
          out.c.int_value = std::stoll(text, &used);
        } catch (const std::exception&) {
          bad_default();
        }
        if (used != text.size()) bad_default();
        break;
      case FERRY_FIELD_FLOAT:
        try {
          out.c.float_value = std::stod(text, &used);
        } catch (const std::exception&) {
          bad_default();
        }
        if (used != text.size()) bad_default();
        break;
      case FERRY_FIELD_BOOL:
        if (text != "true" && text != "false") bad_default();
        out.c.bool_value = text == "true" ? 1 : 0;
        break;
      case FERRY_FIELD_STRING_LIST: {
        size_t start = 0;
        while (!text.empty() && start <= text.size()) {
          const size_t comma = text.find(',', start);
          out.list.push_back(
              text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
        break;
      }
      default:
        out.text = text;
    }
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool paused_ = false, cancelled_ = false;
  std::vector<std::pair<ferry_log_level, std::string>> logs_;
  std::map<std::string, double> metrics_;
  std::map<std::string, Bytes> checkpoints_;
  std::vector<std::pair<std::string, std::string>> objects_;
  std::string progress_;
};

// Every row of a batch as optional strings (nullopt = NULL), for assertions.
using Row = std::vector<std::optional<std::string>>;
inline std::vector<Row> rows_of(const ferry_batch& b) {
  BatchView v(b);
  std::vector<Row> out;
  for (uint64_t r = 0; r < v.record_count(); ++r) {
    const ferry_table_ref* t = v.table(r);
    const uint64_t first = v.after(r);
    Row row;
    if (v.op(r) == FERRY_OP_DDL && first != FERRY_NO_ROW) {
      row.push_back(std::string(v.cell(first).data));  // the statement is the only cell
    } else if (t && first != FERRY_NO_ROW) {
      for (uint32_t c = 0; c < t->column_count; ++c) {
        const Cell cell = v.cell(first, c);
        row.push_back(cell.is_null() ? std::nullopt
                                     : std::optional<std::string>(std::string(cell.data)));
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

// Drains a stream into rows.
inline std::vector<Row> read_all(StreamReader stream) {
  std::vector<Row> out;
  for (auto b = stream.next(); !b.is_end(); b = stream.next()) {
    auto rows = rows_of(b.get());
    out.insert(out.end(), rows.begin(), rows.end());
  }
  return out;
}

}  // namespace ferry::testing
