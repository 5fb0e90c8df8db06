// Sign-in exports of identity providers: Okta (assignments, System Log),
// Google Workspace (login and OAuth token audits), Microsoft Entra sign-in
// logs, and a generic `user, app, last_sign_in` CSV. Rows are folded into one
// (user, app) pair each as they are read, so a 1M-row log costs memory per
// pair, not per row.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <unordered_map>

#include "core/csv.h"
#include "core/strings.h"
#include "stack/discovery/discovery.h"
#include "stack/discovery/internal.h"

namespace mops::stack::discovery {
namespace {

using internal::PresetSpec;

enum Field { kUser, kApp, kTime, kEvent, kOutcome, kStatus, kAssigned, kFieldCount };
constexpr std::array<std::string_view, kFieldCount> kFieldNames = {
    "user", "app", "time", "event", "outcome", "status", "assigned"};

PresetSpec Spec(UsagePreset preset, std::string_view name,
                std::array<std::string_view, kFieldCount> labels, std::string_view signature,
                std::vector<std::string_view> required) {
  PresetSpec spec;
  spec.id = static_cast<int>(preset);
  spec.name = name;
  for (int f = 0; f < kFieldCount; ++f) spec.fields.push_back({kFieldNames[f], labels[f]});
  spec.signature = signature;
  spec.required = std::move(required);
  spec.date_order = core::DateFormat::kMdy;
  return spec;
}

const std::vector<PresetSpec>& Specs() {
  static const std::vector<PresetSpec> kSpecs = {
      Spec(UsagePreset::kOktaAssignments, "okta-assignments",
           {"Login|Username|User Login|Email", "Application Label|Application|App",
            "Last Sign In|Last Login|Last Successful Sign In", "", "", "Status|Assignment Status",
            ""},
           "Application Label|Assigned Date|Assignment Date", {"user", "app"}),
      Spec(UsagePreset::kOktaSystemLog, "okta-system-log",
           {"actor.alternateId|Actor Alternate ID", "target.displayName|Target Display Name",
            "published|Time", "eventType|Event Type", "outcome.result|Outcome Result", "", ""},
           "eventType|actor.alternateId|outcome.result|uuid|published",
           {"user", "app", "time", "event"}),
      Spec(UsagePreset::kGoogleLogin, "google-login",
           {"User|Actor", "", "Date|Time", "Event name|Event", "", "", ""},
           "Login type|Login challenge method|Is suspicious", {"user", "time", "event"}),
      Spec(UsagePreset::kGoogleToken, "google-token",
           {"User|Actor", "Application name|App name|Application", "Date|Time", "Event name|Event",
            "", "", ""},
           "Scope|Client ID|Application name|API name", {"user", "app", "time", "event"}),
      Spec(UsagePreset::kEntra, "entra",
           {"Username|User principal name|UserPrincipalName|User", "Application|AppDisplayName|App",
            "Date (UTC)|Date|CreatedDateTime", "", "", "Status", ""},
           "Date (UTC)|Request ID|Application ID|Sign-in error code|Correlation ID",
           {"user", "app", "time"}),
      Spec(UsagePreset::kGeneric, "generic",
           {"user|email|login", "app|application", "last_sign_in|last_login|last_used|time", "", "",
            "", "assigned"},
           "", {"user", "app"}),
  };
  return kSpecs;
}

const PresetSpec& SpecOf(UsagePreset preset) {
  for (const PresetSpec& s : Specs()) {
    if (s.id == static_cast<int>(preset)) return s;
  }
  return Specs().back();
}

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Whether a row is app use, and whether it is a failure to ignore.
bool Counts(UsagePreset preset, std::string_view event, std::string_view outcome,
            std::string_view status) {
  switch (preset) {
    case UsagePreset::kOktaSystemLog:
      return core::IStartsWith(event, "user.authentication.sso") &&
             (outcome.empty() || core::IEquals(outcome, "SUCCESS"));
    case UsagePreset::kGoogleLogin:
      return core::IEquals(event, "Login success") || core::IEquals(event, "login_success");
    case UsagePreset::kGoogleToken:
      return core::IEquals(event, "Authorize") || core::IEquals(event, "Activity") ||
             core::IEquals(event, "authorize") || core::IEquals(event, "activity");
    case UsagePreset::kEntra:
      return status.empty() || core::IEquals(status, "Success");
    case UsagePreset::kOktaAssignments:
      return status.empty() ||
             !(core::IEquals(status, "DEPROVISIONED") || core::IEquals(status, "INACTIVE") ||
               core::IEquals(status, "SUSPENDED"));
    default:
      return true;
  }
}

// "2026-03-30T08:00:00Z", "2026-03-30": year first.
bool LooksIso(std::string_view v) {
  return v.size() >= 5 && core::IsAsciiDigit(v[0]) && core::IsAsciiDigit(v[1]) &&
         core::IsAsciiDigit(v[2]) && core::IsAsciiDigit(v[3]) && v[4] == '-';
}

}  // namespace

core::Result<UsagePreset> ParseUsagePreset(std::string_view name) {
  const std::string key = NameKey(name);
  if (key.empty() || key == "auto") return UsagePreset::kAuto;
  if (key == "okta" || key == "oktaassignments" || key == "oktaapps") {
    return UsagePreset::kOktaAssignments;
  }
  if (key == "oktasystemlog" || key == "oktalog") return UsagePreset::kOktaSystemLog;
  if (key == "googlelogin" || key == "googleworkspacelogin") return UsagePreset::kGoogleLogin;
  if (key == "googletoken" || key == "googleoauth" || key == "googleworkspacetoken") {
    return UsagePreset::kGoogleToken;
  }
  if (key == "entra" || key == "azuread" || key == "microsoftentra") return UsagePreset::kEntra;
  if (key == "generic" || key == "csv") return UsagePreset::kGeneric;
  return core::Fail(core::ErrorCode::kInvalidArgument,
                    "unknown sign-in preset '{}' (expected auto, okta-assignments, "
                    "okta-system-log, google-login, google-token, entra or generic)",
                    name);
}

std::string_view UsagePresetName(UsagePreset preset) {
  return preset == UsagePreset::kAuto ? "auto" : SpecOf(preset).name;
}

core::Result<UsageFile> ReadUsage(std::string_view text, const UsageReadOptions& options) {
  core::CsvOptions csv;
  csv.require_same_width = false;
  csv.trim_fields = true;
  csv.file_name = options.file_name;

  std::vector<const PresetSpec*> candidates;
  if (options.preset == UsagePreset::kAuto) {
    for (const PresetSpec& s : Specs()) candidates.push_back(&s);
  } else {
    candidates.push_back(&SpecOf(options.preset));
  }
  UsageFile out;
  std::vector<std::string> header;
  const PresetSpec* spec = nullptr;
  std::vector<int> cols;
  internal::DateOrderSurvey survey;
  int64_t header_line = 0;
  bool assume_iso = true;
  {
    core::CsvReader reader(text, csv);
    std::vector<std::string_view> fields;
    int best = -1;
    for (int scanned = 0; scanned < 15 && best < 0; ++scanned) {
      MOPS_ASSIGN_OR_RETURN(bool more, reader.Next(fields));
      if (!more) break;
      std::vector<std::string> labels(fields.begin(), fields.end());
      for (const PresetSpec* s : candidates) {
        const int score = internal::ScoreHeader(*s, labels);
        if (score > best) {
          best = score;
          spec = s;
          header = labels;
          header_line = reader.record_line();
        }
      }
    }
    if (spec == nullptr || best < 0) {
      std::string why = candidates.size() == 1
                            ? "it lacks " + internal::MissingFields(*candidates.front(), header)
                            : "no preset (okta-assignments, okta-system-log, google-login, "
                              "google-token, entra, generic) recognises its header";
      return core::Fail(core::MakeError(core::ErrorCode::kParse, "not a sign-in export: " + why)
                            .At(options.file_name, 1));
    }
    cols = internal::MapHeader(*spec, header);
    // ISO times (every log the presets know) say nothing about day/month
    // order: when the first 1,000 are ISO the rest are assumed to be, and
    // the conversion below surveys the whole column after all if one is not.
    int64_t looked = 0;
    while (cols[kTime] >= 0) {
      MOPS_ASSIGN_OR_RETURN(bool more, reader.Next(fields));
      if (!more) break;
      if (cols[kTime] < static_cast<int>(fields.size())) {
        const std::string_view v = core::Trim(fields[cols[kTime]]);
        survey.Add(v, reader.record_line());
        if (!v.empty() && !LooksIso(v)) assume_iso = false;
      }
      if (assume_iso && ++looked >= 1000) break;
    }
  }
  out.preset = static_cast<UsagePreset>(spec->id);
  out.detected = options.preset == UsagePreset::kAuto;
  core::DateFormat order =
      options.date_order != core::DateFormat::kAuto ? options.date_order : spec->date_order;
  if (cols[kTime] >= 0) {
    MOPS_ASSIGN_OR_RETURN(order, survey.Finish(order, header[cols[kTime]], options.file_name));
  }

  // Runs once, or twice when a time the first look took for ISO is not.
  bool resurvey = false;
  for (bool restart = true; restart;) {
    restart = false;
    if (resurvey) {
      // The whole column decides the order (see above).
      internal::DateOrderSurvey full;
      core::CsvReader again(text, csv);
      std::vector<std::string_view> fields;
      while (true) {
        MOPS_ASSIGN_OR_RETURN(bool more, again.Next(fields));
        if (!more) break;
        if (again.record_line() > header_line && cols[kTime] < static_cast<int>(fields.size())) {
          full.Add(fields[cols[kTime]], again.record_line());
        }
      }
      MOPS_ASSIGN_OR_RETURN(
          order, full.Finish(options.date_order != core::DateFormat::kAuto ? options.date_order
                                                                           : spec->date_order,
                             header[cols[kTime]], options.file_name));
    }
    out.rows = 0;
    out.ignored = 0;
    out.pairs.clear();
    core::CsvReader reader(text, csv);
    std::vector<std::string_view> fields;
    const auto cell = [&](int field) -> std::string_view {
      const int c = cols[field];
      return c >= 0 && c < static_cast<int>(fields.size()) ? core::Trim(fields[c])
                                                           : std::string_view();
    };
    const auto fail = [&](int64_t line, int field, std::string message) {
      return core::Fail(
          core::MakeError(core::ErrorCode::kInvalidArgument, std::move(message))
              .At(options.file_name, line, cols[field] + 1)
              .InField(cols[field] >= 0 ? header[cols[field]] : std::string(kFieldNames[field])));
    };
    std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> index;
    std::string key;
    std::string user;
    const bool google_login = out.preset == UsagePreset::kGoogleLogin;
    while (true) {
      MOPS_ASSIGN_OR_RETURN(bool more, reader.Next(fields));
      if (!more) break;
      const int64_t line = reader.record_line();
      if (line <= header_line) continue;
      ++out.rows;
      if (!Counts(out.preset, cell(kEvent), cell(kOutcome), cell(kStatus))) {
        ++out.ignored;
        continue;
      }
      const std::string_view user_text = cell(kUser);
      const std::string_view app = google_login ? std::string_view("Google Workspace") : cell(kApp);
      if (user_text.empty()) return fail(line, kUser, "the user is empty");
      if (app.empty()) return fail(line, kApp, "the app is empty");
      std::optional<Timestamp> at;
      if (assume_iso && !cell(kTime).empty() && !LooksIso(cell(kTime))) {
        restart = true;
        break;
      }
      if (!cell(kTime).empty()) {
        auto t = internal::ParseDate(cell(kTime), order);
        if (!t) return fail(line, kTime, t.error().message);
        at = *t;
      }
      bool assigned = true;
      if (!cell(kAssigned).empty()) {
        auto b = core::ParseBool(cell(kAssigned));
        if (!b)
          return fail(line, kAssigned,
                      "assigned must be true or false, got '" + std::string(cell(kAssigned)) + "'");
        assigned = *b;
      }
      user.assign(user_text);
      for (char& c : user) c = core::AsciiToLower(c);
      key.assign(user);
      key.push_back('\x1f');
      key.append(app);
      auto it = index.find(std::string_view(key));
      if (it == index.end()) {
        index.emplace(key, static_cast<int32_t>(out.pairs.size()));
        UserApp pair;
        pair.user = user;
        pair.app = std::string(app);
        pair.last_used = at;
        pair.assigned = assigned;
        out.pairs.push_back(std::move(pair));
      } else {
        UserApp& pair = out.pairs[it->second];
        if (at && (!pair.last_used || *at > *pair.last_used)) pair.last_used = at;
        pair.assigned = pair.assigned || assigned;
      }
    }

    if (restart) assume_iso = false, resurvey = true;
  }
  return out;
}

}  // namespace mops::stack::discovery
