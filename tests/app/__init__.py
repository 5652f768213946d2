"""Tests that drive the Streamlit pages with AppTest, on the demo store and on an empty store."""
