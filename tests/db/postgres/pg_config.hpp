// The postgres plugin's connection fields from a libpq conninfo (the test bed's DSN).
#pragma once

#include <libpq-fe.h>
#include <ferry/testing/fake_host.hpp>

#include <string>

namespace ferry::testing {

inline ConfigMap pg_connection_config(const std::string& conninfo) {
  ConfigMap c;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), nullptr);
  for (auto* o = opts; o && o->keyword; ++o) {
    if (!o->val) continue;
    const std::string k = o->keyword, v = o->val;
    if (k == "host") c["host"] = v;
    if (k == "port") c["port"] = int64_t{std::stoi(v)};
    if (k == "user") c["user"] = v;
    if (k == "password") c["password"] = SecretValue{v};
    if (k == "dbname") c["database"] = v;
  }
  PQconninfoFree(opts);
  return c;
}

}  // namespace ferry::testing
