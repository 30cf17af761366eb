"""The Streamlit app's own code — the only package that imports streamlit. Pages import what they use:

- `nav`: the page registry and the `page()` gate every page starts with;
- `session`: the connection (one cursor per script run), the per-session write lock, caching, flash messages;
- `login`: first-run and login forms, logout, the account box;
- `privacy`: masking of displayed tables, the audited download button;
- `charts`: plotly figures built from data (no streamlit, testable alone);
- `widgets`: the village filter, the progress section, the pair explanation.
"""
