// The XSD of the ECBA course manifest, compiled into the binary so the importer needs no
// files at run time. It must equal importers/ecba/ecba-course-1.0.xsd byte for byte; the test
// `embeddedSchemaMatchesImportersFolder` fails when the two drift apart.
enum ECBASchema {
    static let namespace = "urn:ecba:xsd:course:v1"
    static let fileName = "ecba-course-1.0.xsd"
    static let xsd = #"""
<?xml version="1.0" encoding="UTF-8"?>
<!--
  ECBA course manifest, version 1.0. Namespace urn:ecba:xsd:course:v1.
  Used two ways: as a package's own manifest (ecba-course.xml with <activities>), or as a sidecar
  ecba-course.xml beside a SCORM, Common Cartridge or cmi5 manifest, adding what standards lack
  (credit hours, subject category, developing society, licence). See importers/ecba/README.md.
-->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:ecba="urn:ecba:xsd:course:v1"
           targetNamespace="urn:ecba:xsd:course:v1"
           elementFormDefault="qualified"
           attributeFormDefault="unqualified">

  <xs:element name="course" type="ecba:courseType"/>

  <xs:complexType name="courseType">
    <xs:sequence>
      <xs:element name="title" type="ecba:localizedText" maxOccurs="unbounded"/>
      <xs:element name="description" type="ecba:localizedText" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="keyword" type="ecba:localizedText" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="language" type="xs:language" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="typicalLearningTime" type="xs:duration" minOccurs="0"/>
      <xs:element name="creditHours" type="ecba:creditHours" minOccurs="0"/>
      <xs:element name="category" type="ecba:category" minOccurs="0"/>
      <xs:element name="developingSociety" type="ecba:token" minOccurs="0"/>
      <xs:element name="licence" type="ecba:token" minOccurs="0"/>
      <xs:element name="activities" type="ecba:activitiesType" minOccurs="0"/>
    </xs:sequence>
    <xs:attribute name="identifier" type="ecba:identifier" use="required"/>
    <xs:attribute name="schemaVersion" type="xs:string" fixed="1.0"/>
  </xs:complexType>

  <xs:complexType name="localizedText">
    <xs:simpleContent>
      <xs:extension base="ecba:token">
        <xs:attribute name="lang" type="xs:language"/>
      </xs:extension>
    </xs:simpleContent>
  </xs:complexType>

  <xs:complexType name="activitiesType">
    <xs:choice maxOccurs="unbounded">
      <xs:element name="module" type="ecba:moduleType"/>
      <xs:element name="lesson" type="ecba:lessonType"/>
    </xs:choice>
  </xs:complexType>

  <xs:complexType name="moduleType">
    <xs:sequence>
      <xs:element name="title" type="ecba:localizedText" maxOccurs="unbounded"/>
      <xs:choice maxOccurs="unbounded">
        <xs:element name="module" type="ecba:moduleType"/>
        <xs:element name="lesson" type="ecba:lessonType"/>
      </xs:choice>
    </xs:sequence>
    <xs:attribute name="identifier" type="ecba:identifier" use="required"/>
  </xs:complexType>

  <xs:complexType name="lessonType">
    <xs:sequence>
      <xs:element name="title" type="ecba:localizedText" maxOccurs="unbounded"/>
    </xs:sequence>
    <xs:attribute name="identifier" type="ecba:identifier" use="required"/>
    <xs:attribute name="kind" type="ecba:lessonKind" default="webcontent"/>
    <xs:attribute name="href" type="xs:anyURI" use="required"/>
    <xs:attribute name="parameters" type="xs:string"/>
    <xs:attribute name="required" type="xs:boolean" default="true"/>
    <xs:attribute name="masteryScore" type="ecba:fraction"/>
    <xs:attribute name="completionThreshold" type="ecba:fraction"/>
    <xs:attribute name="timeLimit" type="xs:duration"/>
  </xs:complexType>

  <xs:simpleType name="identifier">
    <xs:restriction base="xs:token">
      <xs:minLength value="1"/>
      <xs:maxLength value="200"/>
      <xs:pattern value="[^\s]+"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:simpleType name="token">
    <xs:restriction base="xs:string">
      <xs:minLength value="1"/>
      <xs:maxLength value="4000"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:simpleType name="creditHours">
    <xs:restriction base="xs:decimal">
      <xs:minExclusive value="0"/>
      <xs:maxInclusive value="1000"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:simpleType name="fraction">
    <xs:restriction base="xs:decimal">
      <xs:minInclusive value="0"/>
      <xs:maxInclusive value="1"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:simpleType name="category">
    <xs:restriction base="xs:token">
      <xs:enumeration value="professional"/>
      <xs:enumeration value="public"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:simpleType name="lessonKind">
    <xs:restriction base="xs:token">
      <xs:enumeration value="webcontent"/>
      <xs:enumeration value="video"/>
      <xs:enumeration value="assessment"/>
      <xs:enumeration value="assignment"/>
      <xs:enumeration value="discussion"/>
      <xs:enumeration value="weblink"/>
    </xs:restriction>
  </xs:simpleType>
</xs:schema>

"""#
}
