"""The model's processes, one concept per module, called by :class:`simxh.model.XinhuiModel`.

Each process is a class that owns its state (numpy arrays over towns, nodes, firms or villages)
and reads its own config section(s) (``model.p.<section>``); it reads other processes' state
through the model (``m.network.access``). Two pieces of shared state have one owner and several
writers, in the order of the year: free industrial land per node (``towns_labour.free_land_mu``:
exits release land, births and projects take it, renewal adds it) and the year's investment by
kind (``towns_labour.investment_yi``: firms, projects, public, housing). The order of a year is
the model's ``step()``:

==================  ===============================================================
module              process
==================  ===============================================================
``outside``         the outside world: macro path, external markets' GDP, prices
``network``         travel-time weights, market access, agglomeration, outside demand
``cooperation``     the cooperation levers: town–park integration, pairing assistance
``industry``        the firms' year: shared fields, renovation support, the firm step, births
``attraction``      projects: arrivals, location choice, the pipeline, capital tranches
``towns``           towns and labour: sectors, wages, migration, population, land, aggregates
``finance``         public finance: tax revenue, the budget, public capital
``infrastructure``  infrastructure projects: plans, building, changes to the network
``villages``        villages: collective income, upgrades, demonstration villages
==================  ===============================================================
"""
