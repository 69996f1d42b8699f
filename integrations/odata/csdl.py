"""The CSDL XML of $metadata (OData v4.0), written from the entity set declarations."""

from xml.etree import ElementTree as ET

from integrations.odata.entities import NAMESPACE, EntitySet

EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
EDM = "http://docs.oasis-open.org/odata/ns/edm"


def metadata_document(entity_sets: list[EntitySet]) -> bytes:
    ET.register_namespace("edmx", EDMX)
    root = ET.Element(f"{{{EDMX}}}Edmx", {"Version": "4.0"})
    services = ET.SubElement(root, f"{{{EDMX}}}DataServices")
    schema = ET.SubElement(services, f"{{{EDM}}}Schema", {"Namespace": NAMESPACE})
    for entity_set in entity_sets:
        entity_type = ET.SubElement(schema, f"{{{EDM}}}EntityType", {"Name": entity_set.type_name})
        key = ET.SubElement(entity_type, f"{{{EDM}}}Key")
        ET.SubElement(key, f"{{{EDM}}}PropertyRef", {"Name": entity_set.key})
        for prop in entity_set.properties:
            attributes = {"Name": prop.name, "Type": prop.edm_type}
            if not prop.nullable or prop.name == entity_set.key:
                attributes["Nullable"] = "false"
            element = ET.SubElement(entity_type, f"{{{EDM}}}Property", attributes)
            if not prop.filterable:
                ET.SubElement(
                    element,
                    f"{{{EDM}}}Annotation",
                    {"Term": "Org.OData.Core.V1.Computed", "Bool": "true"},
                )
    container = ET.SubElement(schema, f"{{{EDM}}}EntityContainer", {"Name": "Container"})
    for entity_set in entity_sets:
        element = ET.SubElement(
            container,
            f"{{{EDM}}}EntitySet",
            {"Name": entity_set.name, "EntityType": f"{NAMESPACE}.{entity_set.type_name}"},
        )
        if entity_set.description:
            ET.SubElement(
                element,
                f"{{{EDM}}}Annotation",
                {"Term": "Org.OData.Core.V1.Description", "String": entity_set.description},
            )
    ET.register_namespace("", EDM)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
