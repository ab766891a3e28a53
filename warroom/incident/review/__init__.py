"""The post-incident review as cited statements: every generated line names the journal events
it comes from (``[#42]``), and what only a person can say is marked as needing one.

Templates lay these out; they do not compute. Everything here is a pure function of the state
(rebuilt from the journal), so a statement without a citation cannot be written by accident: each
``Line`` carries the seqs it rests on, and ``cites`` never invents one (a citation names a seq
the state saw).

One module per section, each imported by what it holds (this package re-exports nothing, so a
module's name never stands for a function of the same name):

* ``lines``: ``Line``, ``cite`` and the clock/value formats every section shares;
* ``facts``: duration from impact start to resolution with detection and declaration beside it,
  severity history, commander and roles (handoffs), resolution, rollback, type, affected services;
* ``timeline``: ``key_moments`` (the 10–15 that matter, by weight) then ``timeline`` (every event,
  a step's start, end and evidence merged into one row, exports left out);
* ``metrics``: ``evidence`` and ``impact`` from the ``metrics.summarised`` event (range queries
  over the incident window): at impact start, at detection, worst (with time), at resolution;
  time in breach and configured counter totals, labelled computed, with their query;
* ``effects``: what a mitigation did to the SLOs, in the words the timeline and commands share;
* ``commands`` (seven columns) and the appendix's command, target, output, values;
* ``response`` against the generic targets, the runbook's ``mttr_target`` beside them, a drill
  judged in scenario time with wall time beside;
* ``written`` (notes and status updates), ``decisions`` (Go/No-Go), ``approvals``;
* ``build``: the whole ``Review`` the PIR templates receive (``build_review``).
"""
