"""The study: what turns validated inputs into the published impact estimates.

This layer sits between the estimator packages (``tfp``, ``matching``, ``did``,
``reports``, ``data_contracts``) and the Dagster glue (``pipelines``):

- :mod:`study.spec`: the study file (every value that determines a published number);
- :mod:`study.inputs`: where the study's raw inputs come from (files, or the simulated demo);
- :mod:`study.productivity`: the study's production functions and firm TFP;
- :mod:`study.analysis_sample`: the DiD sample (treatment timing, size classes);
- :mod:`study.estimates`, :mod:`study.heterogeneity`, :mod:`study.robustness`: the
  columns of tables T3, T5 and T6;
- :mod:`study.publication`: from estimates to disclosure-controlled tables and figures;
- :mod:`study.hashing`: file hashes recorded in data versions and manifests;
- :mod:`study.manifest`: the run manifest (inputs and their reconciliation, code, versions,
  disclosure audit, output hashes);
- :mod:`study.publishing`: staged, fsynced, atomically swapped publications, the output
  folder's lock, private scratch for firm-level intermediates.

It never imports Dagster, ``pipelines`` or ``cluster_impact`` (the application shell).
"""
