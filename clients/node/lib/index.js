'use strict';
// A small client for the newsline gRPC API: the services loaded from proto/, plus what every caller
// needs around them (connecting, health, finding an entity, formatting, status codes to exit codes).
module.exports = {
  ...require('./proto'),
  ...require('./connection'),
  ...require('./entities'),
  ...require('./errors'),
  ...require('./format'),
};
