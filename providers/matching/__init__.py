"""Matching (issue #10, engine part): the scene map, scenes from a diagnosed assessment, the
explainable ranking of solutions and providers, the benefit estimate and the result-page panel."""
