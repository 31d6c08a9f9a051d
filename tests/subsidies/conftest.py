import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories.portal import StaffFactory, region
from tests.factories.subsidies import programme_version

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def pdf(name="contract.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def version(city_staff):
    return programme_version(created_by=city_staff)


@pytest.fixture
def expert2(db):
    return StaffFactory(staff_role="expert", region=None)


@pytest.fixture
def district_staff2(db):
    return StaffFactory(staff_role="district_staff", region=region("440309"))
