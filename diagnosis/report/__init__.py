"""The diagnosis report PDF in three layers (docs/architecture.md): ``context`` builds plain data,
templates/diagnosis/report/pdf.html with static/css/report.css lays it out, ``pdf`` turns the HTML
into bytes with WeasyPrint. ``svgcharts`` draws the charts. The workflow around them (request,
render, download) lives in diagnosis/services_report.py."""
