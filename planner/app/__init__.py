"""What streamlit_app.py draws with: scenario documents and their edits, the forms, plain-data
views of plans and sweeps, charts and downloads. Only streamlit_app.py imports Streamlit."""
