"""The model's economics: small pure functions over numpy arrays.

Each function is named for what it computes, takes arrays and parameters, returns arrays, and
cites the literature value its parameters default to. Agents and the model call these; they do
no arithmetic of their own beyond wiring.

Modules: ``production`` (value added, agglomeration, access, public capital), ``firm_dynamics``
(shocks, investment, exit, thresholds, certification), ``attraction`` (project arrival and
logit location choice), ``labour`` (commuting labour pools, wages, migration), ``sectors``
(agriculture and services), ``public`` (taxes, revenue sharing, public capital, land),
``equity`` (Theil, Gini), ``access`` (gravity market access, written by the lead).
"""
