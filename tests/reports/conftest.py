from tests.reports.fixtures import (  # noqa: F401  (fixtures)
    demo_sessions,
    demo_settings,
    demo_store,
    departement_report,
    epci_communes,
    epci_report,
)
